/**
 * Protobuf tags (field number << 3 | wire type) of the OTLP messages this package reads and writes
 * by hand. The numbers come from proto/opentelemetry/proto/**.proto; wire.test.ts checks every
 * constant against those definitions as loaded by protobufjs, so a typo cannot go unnoticed.
 */

/** Wire types. */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

/** ExportTraceServiceRequest / TracesData. */
export const REQUEST_RESOURCE_SPANS = 0x0a; // 1 LEN

/** ResourceSpans. */
export const RS_RESOURCE = 0x0a; // 1 LEN
export const RS_SCOPE_SPANS = 0x12; // 2 LEN
export const RS_SCHEMA_URL = 0x1a; // 3 LEN

/** Resource. Its attribute tag equals KeyValueList.values, so resource attributes need no re-tagging. */
export const RESOURCE_ATTRIBUTES = 0x0a; // 1 LEN
export const RESOURCE_DROPPED_ATTRIBUTES = 0x10; // 2 VARINT

/** ScopeSpans. */
export const SS_SCOPE = 0x0a; // 1 LEN
export const SS_SPANS = 0x12; // 2 LEN
export const SS_SCHEMA_URL = 0x1a; // 3 LEN

/** InstrumentationScope. */
export const SCOPE_NAME = 0x0a; // 1 LEN
export const SCOPE_VERSION = 0x12; // 2 LEN
export const SCOPE_ATTRIBUTES = 0x1a; // 3 LEN
export const SCOPE_DROPPED_ATTRIBUTES = 0x20; // 4 VARINT

/** Span. */
export const SPAN_TRACE_ID = 0x0a; // 1 LEN
export const SPAN_SPAN_ID = 0x12; // 2 LEN
export const SPAN_TRACE_STATE = 0x1a; // 3 LEN
export const SPAN_PARENT_SPAN_ID = 0x22; // 4 LEN
export const SPAN_NAME = 0x2a; // 5 LEN
export const SPAN_KIND = 0x30; // 6 VARINT
export const SPAN_START_TIME = 0x39; // 7 I64
export const SPAN_END_TIME = 0x41; // 8 I64
export const SPAN_ATTRIBUTES = 0x4a; // 9 LEN
export const SPAN_DROPPED_ATTRIBUTES = 0x50; // 10 VARINT
export const SPAN_EVENTS = 0x5a; // 11 LEN
export const SPAN_DROPPED_EVENTS = 0x60; // 12 VARINT
export const SPAN_LINKS = 0x6a; // 13 LEN
export const SPAN_DROPPED_LINKS = 0x70; // 14 VARINT
export const SPAN_STATUS = 0x7a; // 15 LEN
export const SPAN_FLAGS = 0x85; // 16 I32 (two bytes on the wire: 0x85 0x01)

/** Status. */
export const STATUS_MESSAGE = 0x12; // 2 LEN
export const STATUS_CODE = 0x18; // 3 VARINT

/** Span.Event. */
export const EVENT_TIME = 0x09; // 1 I64
export const EVENT_NAME = 0x12; // 2 LEN
export const EVENT_ATTRIBUTES = 0x1a; // 3 LEN
export const EVENT_DROPPED_ATTRIBUTES = 0x20; // 4 VARINT

/** Span.Link. */
export const LINK_TRACE_ID = 0x0a; // 1 LEN
export const LINK_SPAN_ID = 0x12; // 2 LEN
export const LINK_TRACE_STATE = 0x1a; // 3 LEN
export const LINK_ATTRIBUTES = 0x22; // 4 LEN
export const LINK_DROPPED_ATTRIBUTES = 0x28; // 5 VARINT
export const LINK_FLAGS = 0x35; // 6 I32

/** KeyValueList, KeyValue, ArrayValue. */
export const KVLIST_VALUES = 0x0a; // 1 LEN
export const KV_KEY = 0x0a; // 1 LEN
export const KV_VALUE = 0x12; // 2 LEN
export const ARRAY_VALUES = 0x0a; // 1 LEN

/** AnyValue (oneof). */
export const ANY_STRING = 0x0a; // 1 LEN
export const ANY_BOOL = 0x10; // 2 VARINT
export const ANY_INT = 0x18; // 3 VARINT
export const ANY_DOUBLE = 0x21; // 4 I64
export const ANY_ARRAY = 0x2a; // 5 LEN
export const ANY_KVLIST = 0x32; // 6 LEN
export const ANY_BYTES = 0x3a; // 7 LEN

/** ExportTraceServiceResponse, ExportTracePartialSuccess. */
export const RESPONSE_PARTIAL_SUCCESS = 0x0a; // 1 LEN
export const PARTIAL_REJECTED_SPANS = 0x08; // 1 VARINT
export const PARTIAL_ERROR_MESSAGE = 0x12; // 2 LEN

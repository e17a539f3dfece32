export { decodeOtlpTraces, transcodeOtlpTraces, type OtlpBody, type OtlpEncoding } from './decode';
export {
  resolveDecodeOptions,
  DEFAULT_MAX_PAST_NS,
  DEFAULT_MAX_FUTURE_NS,
  DEFAULT_MAX_ATTRIBUTES_PER_SPAN,
  DEFAULT_MAX_EVENTS_PER_SPAN,
  DEFAULT_MAX_LINKS_PER_SPAN,
  type OtlpDecodeOptions,
  type OtlpDecodeResult,
  type OtlpTranscodeResult,
  type TraceBatchMessage,
  type SpanCounts,
  type TruncationCounts,
} from './options';
export { RejectReason, REJECT_REASONS } from './validation';
export { OtlpDecodeError, type OtlpDecodeReason } from './errors';
export type { AnyValue, KeyValue } from './any-value';
export { anyValueType, MAX_VALUE_DEPTH } from './any-value';
export { decodeKeyValueList, flattenAttributes, getAttribute, getAttributes, encodeKeyValueList } from './attributes';
export { AttributeRowReader } from './attribute-row-reader';
export { anyValueAsString } from './as-string';
export { decodeEvent, decodeLink, type DecodedEvent, type DecodedLink } from './event-link';
export { encodeExportTraceServiceRequest } from './encode';
export { encodeExportTraceServiceResponse, exportTraceServiceResponseJson, partialSuccessOf, type PartialSuccess } from './response';
export { otlpRoot, OTLP_TYPES, PROTO_DIR } from './proto-root';

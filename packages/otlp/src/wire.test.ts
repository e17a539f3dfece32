import { protobuf } from './protobuf';
import { OTLP_TYPES, otlpRoot } from './proto-root';
import * as W from './wire';

/** [constant, message full name, field name]: every tag in wire.ts against the .proto files. */
const TAGS: Array<[keyof typeof W, string, string]> = [
  ['REQUEST_RESOURCE_SPANS', OTLP_TYPES.exportRequest, 'resourceSpans'],
  ['RS_RESOURCE', OTLP_TYPES.resourceSpans, 'resource'],
  ['RS_SCOPE_SPANS', OTLP_TYPES.resourceSpans, 'scopeSpans'],
  ['RS_SCHEMA_URL', OTLP_TYPES.resourceSpans, 'schemaUrl'],
  ['RESOURCE_ATTRIBUTES', OTLP_TYPES.resource, 'attributes'],
  ['RESOURCE_DROPPED_ATTRIBUTES', OTLP_TYPES.resource, 'droppedAttributesCount'],
  ['SS_SCOPE', OTLP_TYPES.scopeSpans, 'scope'],
  ['SS_SPANS', OTLP_TYPES.scopeSpans, 'spans'],
  ['SS_SCHEMA_URL', OTLP_TYPES.scopeSpans, 'schemaUrl'],
  ['SCOPE_NAME', OTLP_TYPES.scope, 'name'],
  ['SCOPE_VERSION', OTLP_TYPES.scope, 'version'],
  ['SCOPE_ATTRIBUTES', OTLP_TYPES.scope, 'attributes'],
  ['SCOPE_DROPPED_ATTRIBUTES', OTLP_TYPES.scope, 'droppedAttributesCount'],
  ['SPAN_TRACE_ID', OTLP_TYPES.span, 'traceId'],
  ['SPAN_SPAN_ID', OTLP_TYPES.span, 'spanId'],
  ['SPAN_TRACE_STATE', OTLP_TYPES.span, 'traceState'],
  ['SPAN_PARENT_SPAN_ID', OTLP_TYPES.span, 'parentSpanId'],
  ['SPAN_NAME', OTLP_TYPES.span, 'name'],
  ['SPAN_KIND', OTLP_TYPES.span, 'kind'],
  ['SPAN_START_TIME', OTLP_TYPES.span, 'startTimeUnixNano'],
  ['SPAN_END_TIME', OTLP_TYPES.span, 'endTimeUnixNano'],
  ['SPAN_ATTRIBUTES', OTLP_TYPES.span, 'attributes'],
  ['SPAN_DROPPED_ATTRIBUTES', OTLP_TYPES.span, 'droppedAttributesCount'],
  ['SPAN_EVENTS', OTLP_TYPES.span, 'events'],
  ['SPAN_DROPPED_EVENTS', OTLP_TYPES.span, 'droppedEventsCount'],
  ['SPAN_LINKS', OTLP_TYPES.span, 'links'],
  ['SPAN_DROPPED_LINKS', OTLP_TYPES.span, 'droppedLinksCount'],
  ['SPAN_STATUS', OTLP_TYPES.span, 'status'],
  ['SPAN_FLAGS', OTLP_TYPES.span, 'flags'],
  ['STATUS_MESSAGE', OTLP_TYPES.status, 'message'],
  ['STATUS_CODE', OTLP_TYPES.status, 'code'],
  ['EVENT_TIME', OTLP_TYPES.event, 'timeUnixNano'],
  ['EVENT_NAME', OTLP_TYPES.event, 'name'],
  ['EVENT_ATTRIBUTES', OTLP_TYPES.event, 'attributes'],
  ['EVENT_DROPPED_ATTRIBUTES', OTLP_TYPES.event, 'droppedAttributesCount'],
  ['LINK_TRACE_ID', OTLP_TYPES.link, 'traceId'],
  ['LINK_SPAN_ID', OTLP_TYPES.link, 'spanId'],
  ['LINK_TRACE_STATE', OTLP_TYPES.link, 'traceState'],
  ['LINK_ATTRIBUTES', OTLP_TYPES.link, 'attributes'],
  ['LINK_DROPPED_ATTRIBUTES', OTLP_TYPES.link, 'droppedAttributesCount'],
  ['LINK_FLAGS', OTLP_TYPES.link, 'flags'],
  ['KVLIST_VALUES', OTLP_TYPES.keyValueList, 'values'],
  ['KV_KEY', OTLP_TYPES.keyValue, 'key'],
  ['KV_VALUE', OTLP_TYPES.keyValue, 'value'],
  ['ARRAY_VALUES', 'opentelemetry.proto.common.v1.ArrayValue', 'values'],
  ['ANY_STRING', OTLP_TYPES.anyValue, 'stringValue'],
  ['ANY_BOOL', OTLP_TYPES.anyValue, 'boolValue'],
  ['ANY_INT', OTLP_TYPES.anyValue, 'intValue'],
  ['ANY_DOUBLE', OTLP_TYPES.anyValue, 'doubleValue'],
  ['ANY_ARRAY', OTLP_TYPES.anyValue, 'arrayValue'],
  ['ANY_KVLIST', OTLP_TYPES.anyValue, 'kvlistValue'],
  ['ANY_BYTES', OTLP_TYPES.anyValue, 'bytesValue'],
  ['RESPONSE_PARTIAL_SUCCESS', OTLP_TYPES.exportResponse, 'partialSuccess'],
  ['PARTIAL_REJECTED_SPANS', 'opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess', 'rejectedSpans'],
  ['PARTIAL_ERROR_MESSAGE', 'opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess', 'errorMessage'],
];

function expectedTag(typeName: string, fieldName: string): number {
  const field = otlpRoot().lookupType(typeName).fields[fieldName];
  if (field === undefined) throw new Error(`${typeName}.${fieldName} is not in the .proto files`);
  field.resolve();
  let wireType: number;
  if (field.resolvedType instanceof protobuf.Type) wireType = 2;
  else if (field.resolvedType instanceof protobuf.Enum) wireType = 0;
  else wireType = (protobuf.types.basic as Record<string, number>)[field.type] as number;
  return (field.id << 3) | wireType;
}

describe('wire tags', () => {
  test.each(TAGS)('%s is %s.%s', (constant, typeName, fieldName) => {
    expect(W[constant]).toBe(expectedTag(typeName, fieldName));
  });

  test('every tag constant is covered', () => {
    const tagConstants = Object.keys(W).filter((k) => !['VARINT', 'I64', 'LEN', 'I32'].includes(k));
    expect(tagConstants.sort()).toEqual(TAGS.map(([c]) => c).sort());
  });

  test('field numbers of the definitions are the upstream ones (spot checks)', () => {
    const span = otlpRoot().lookupType(OTLP_TYPES.span);
    expect(span.fields.flags?.id).toBe(16);
    expect(span.fields.flags?.type).toBe('fixed32');
    expect(span.fields.startTimeUnixNano?.type).toBe('fixed64');
    expect(otlpRoot().lookupType(OTLP_TYPES.link).fields.flags?.id).toBe(6);
    expect(otlpRoot().lookupEnum('opentelemetry.proto.trace.v1.Span.SpanKind').values.SPAN_KIND_CONSUMER).toBe(5);
    expect(otlpRoot().lookupEnum('opentelemetry.proto.trace.v1.Status.StatusCode').values.STATUS_CODE_ERROR).toBe(2);
  });
});

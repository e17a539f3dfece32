import { serviceOf, spanDurationNano, spanKindName, statusCodeName, toHex, type SpanBatch, type SpanRecord } from '@tailstream/model';
import { dateTime64Nanos } from './time';

/** Table the exporter-compatible span rows go to. */
export const OTEL_TRACES_TABLE = 'otel_traces';

/**
 * Column order of `otel_traces` as written by `otelTraceRow` (the exporter's insert order;
 * Nested columns as parallel arrays). Kept here so the row shape lives in one place.
 */
export const OTEL_TRACES_COLUMNS = [
  'Timestamp',
  'TraceId',
  'SpanId',
  'ParentSpanId',
  'TraceState',
  'SpanName',
  'SpanKind',
  'ServiceName',
  'ResourceAttributes',
  'ScopeName',
  'ScopeVersion',
  'SpanAttributes',
  'Duration',
  'StatusCode',
  'StatusMessage',
  'Events.Timestamp',
  'Events.Name',
  'Events.Attributes',
  'Links.TraceId',
  'Links.SpanId',
  'Links.TraceState',
  'Links.Attributes',
] as const;

/** A flat attribute map (OTLP attributes flattened to strings by @tailstream/otlp's rule). */
export type AttributeMap = Readonly<Record<string, string>>;

/** One decoded span event. */
export interface OtelEventInput {
  timeUnixNano: bigint;
  name: string;
  attributes: AttributeMap;
}

/** One decoded span link; IDs as raw bytes or lower-case hex. */
export interface OtelLinkInput {
  traceId: Uint8Array | string;
  spanId: Uint8Array | string;
  traceState: string;
  attributes: AttributeMap;
}

/**
 * What `otelTraceRow` needs beyond the batch header fields: the span's opaque attribute, event
 * and link bytes already decoded and flattened (the aggregator does that with @tailstream/otlp).
 * Pass the SAME `resourceAttributes` object for every span of one resource: its JSON is cached
 * per object, so it is serialized once per batch, not once per span.
 */
export interface OtelTraceRowInput {
  resourceAttributes: AttributeMap;
  spanAttributes: AttributeMap;
  events: readonly OtelEventInput[];
  links: readonly OtelLinkInput[];
  /** Added to SpanAttributes (wins over a span attribute of the same key), e.g. provenance, sample rate. */
  extraSpanAttributes?: AttributeMap;
}

const mapJsonCache = new WeakMap<object, string>();

function cachedMapJson(map: AttributeMap): string {
  let json = mapJsonCache.get(map);
  if (json === undefined) {
    json = JSON.stringify(map);
    mapJsonCache.set(map, json);
  }
  return json;
}

function hasKeys(map: AttributeMap | undefined): map is AttributeMap {
  if (!map) return false;
  for (const _key in map) return true;
  return false;
}

/** An ID as a JSON string literal: bytes as hex; a given hex string lower-cased and escaped. */
function idJson(id: Uint8Array | string): string {
  return typeof id === 'string' ? JSON.stringify(id.toLowerCase()) : `"${toHex(id)}"`;
}

/**
 * One `otel_traces` row as a JSONEachRow line (no trailing newline): hex IDs, Timestamp as exact
 * nanoseconds, Duration in ns, SpanKind/StatusCode as the exporter's strings (`Server`, `Error`),
 * attributes as Map(String, String), events and links as the Nested columns' parallel arrays.
 */
export function otelTraceRow(batch: SpanBatch, span: SpanRecord, input: OtelTraceRowInput): string {
  const scope = batch.scopes[span.scopeIndex];
  const spanAttributes = hasKeys(input.extraSpanAttributes)
    ? JSON.stringify({ ...input.spanAttributes, ...input.extraSpanAttributes })
    : JSON.stringify(input.spanAttributes);

  let eventTimes = '';
  let eventNames = '';
  let eventAttrs = '';
  for (let i = 0; i < input.events.length; i++) {
    const event = input.events[i]!;
    const sep = i === 0 ? '' : ',';
    eventTimes += `${sep}"${dateTime64Nanos(event.timeUnixNano)}"`;
    eventNames += sep + JSON.stringify(event.name);
    eventAttrs += sep + JSON.stringify(event.attributes);
  }
  let linkTraces = '';
  let linkSpans = '';
  let linkStates = '';
  let linkAttrs = '';
  for (let i = 0; i < input.links.length; i++) {
    const link = input.links[i]!;
    const sep = i === 0 ? '' : ',';
    linkTraces += sep + idJson(link.traceId);
    linkSpans += sep + idJson(link.spanId);
    linkStates += sep + JSON.stringify(link.traceState);
    linkAttrs += sep + JSON.stringify(link.attributes);
  }

  return (
    `{"Timestamp":"${dateTime64Nanos(span.startTimeUnixNano)}"` +
    `,"TraceId":"${toHex(batch.traceId)}"` +
    `,"SpanId":"${toHex(span.spanId)}"` +
    `,"ParentSpanId":"${toHex(span.parentSpanId)}"` +
    `,"TraceState":${JSON.stringify(span.traceState)}` +
    `,"SpanName":${JSON.stringify(span.name)}` +
    `,"SpanKind":"${spanKindName(span.kind)}"` +
    `,"ServiceName":${JSON.stringify(serviceOf(batch, span))}` +
    `,"ResourceAttributes":${cachedMapJson(input.resourceAttributes)}` +
    `,"ScopeName":${JSON.stringify(scope?.name ?? '')}` +
    `,"ScopeVersion":${JSON.stringify(scope?.version ?? '')}` +
    `,"SpanAttributes":${spanAttributes}` +
    `,"Duration":${spanDurationNano(span).toString()}` +
    `,"StatusCode":"${statusCodeName(span.statusCode)}"` +
    `,"StatusMessage":${JSON.stringify(span.statusMessage)}` +
    `,"Events.Timestamp":[${eventTimes}],"Events.Name":[${eventNames}],"Events.Attributes":[${eventAttrs}]` +
    `,"Links.TraceId":[${linkTraces}],"Links.SpanId":[${linkSpans}],"Links.TraceState":[${linkStates}],"Links.Attributes":[${linkAttrs}]}`
  );
}

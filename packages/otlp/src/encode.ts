import type { ResourceRecord, ScopeRecord, SpanBatch, SpanRecord } from '@tailstream/model';
import { bigIntToLongBits } from './any-value';
import { Writer } from './protobuf';
import { createReader, readBytesView, skipField } from './read';
import * as W from './wire';

/**
 * Encodes span batches back into one protobuf OTLP `ExportTraceServiceRequest` (Kafka OTLP output,
 * load generator, round-trip tests). Spans are grouped under one ResourceSpans per distinct
 * resource record object and one ScopeSpans per distinct scope record object, so batches decoded
 * from one request (which share their records) come back as one ResourceSpans per resource.
 * Attribute, event and link bytes are written as they are (nothing decoded). Default values
 * (empty strings, zero counts, unset status) are omitted, as protobuf encoders do.
 */
export function encodeExportTraceServiceRequest(batches: readonly SpanBatch[]): Buffer {
  const groups = new Map<ResourceRecord, Map<ScopeRecord, Array<{ traceId: Buffer; span: SpanRecord }>>>();
  for (const batch of batches) {
    for (const span of batch.spans) {
      const resource = batch.resources[span.resourceIndex];
      const scope = batch.scopes[span.scopeIndex];
      if (resource === undefined || scope === undefined) {
        throw new RangeError(`span resourceIndex/scopeIndex out of range (${span.resourceIndex}/${span.scopeIndex})`);
      }
      let scopes = groups.get(resource);
      if (scopes === undefined) groups.set(resource, (scopes = new Map()));
      let spans = scopes.get(scope);
      if (spans === undefined) scopes.set(scope, (spans = []));
      spans.push({ traceId: batch.traceId, span });
    }
  }

  const w = Writer.create();
  for (const [resource, scopes] of groups) {
    w.uint32(W.REQUEST_RESOURCE_SPANS).fork();
    w.uint32(W.RS_RESOURCE).fork();
    writeAttributes(w, W.RESOURCE_ATTRIBUTES, resource.attributes);
    if (resource.droppedAttributesCount !== 0) w.uint32(W.RESOURCE_DROPPED_ATTRIBUTES).uint32(resource.droppedAttributesCount);
    w.ldelim();
    for (const [scope, spans] of scopes) {
      w.uint32(W.RS_SCOPE_SPANS).fork();
      writeScope(w, scope);
      for (const { traceId, span } of spans) {
        w.uint32(W.SS_SPANS).fork();
        writeSpan(w, traceId, span);
        w.ldelim();
      }
      if (scope.schemaUrl !== '') w.uint32(W.SS_SCHEMA_URL).string(scope.schemaUrl);
      w.ldelim();
    }
    if (resource.schemaUrl !== '') w.uint32(W.RS_SCHEMA_URL).string(resource.schemaUrl);
    w.ldelim();
  }
  return w.finish() as Buffer;
}

function writeScope(w: Writer, scope: ScopeRecord): void {
  if (scope.name === '' && scope.version === '' && scope.attributes.length === 0 && scope.droppedAttributesCount === 0) {
    return;
  }
  w.uint32(W.SS_SCOPE).fork();
  if (scope.name !== '') w.uint32(W.SCOPE_NAME).string(scope.name);
  if (scope.version !== '') w.uint32(W.SCOPE_VERSION).string(scope.version);
  writeAttributes(w, W.SCOPE_ATTRIBUTES, scope.attributes);
  if (scope.droppedAttributesCount !== 0) w.uint32(W.SCOPE_DROPPED_ATTRIBUTES).uint32(scope.droppedAttributesCount);
  w.ldelim();
}

/** Writes one OTLP Span body (every field of SpanRecord plus the batch's trace ID). */
export function writeSpan(w: Writer, traceId: Buffer, span: SpanRecord): void {
  w.uint32(W.SPAN_TRACE_ID).bytes(traceId);
  w.uint32(W.SPAN_SPAN_ID).bytes(span.spanId);
  if (span.traceState !== '') w.uint32(W.SPAN_TRACE_STATE).string(span.traceState);
  if (span.parentSpanId.length !== 0) w.uint32(W.SPAN_PARENT_SPAN_ID).bytes(span.parentSpanId);
  if (span.name !== '') w.uint32(W.SPAN_NAME).string(span.name);
  if (span.kind !== 0) w.uint32(W.SPAN_KIND).uint32(span.kind);
  w.uint32(W.SPAN_START_TIME).fixed64(bigIntToLongBits(span.startTimeUnixNano));
  w.uint32(W.SPAN_END_TIME).fixed64(bigIntToLongBits(span.endTimeUnixNano));
  writeAttributes(w, W.SPAN_ATTRIBUTES, span.attributes);
  if (span.droppedAttributesCount !== 0) w.uint32(W.SPAN_DROPPED_ATTRIBUTES).uint32(span.droppedAttributesCount);
  for (const event of span.events) w.uint32(W.SPAN_EVENTS).bytes(event);
  if (span.droppedEventsCount !== 0) w.uint32(W.SPAN_DROPPED_EVENTS).uint32(span.droppedEventsCount);
  for (const link of span.links) w.uint32(W.SPAN_LINKS).bytes(link);
  if (span.droppedLinksCount !== 0) w.uint32(W.SPAN_DROPPED_LINKS).uint32(span.droppedLinksCount);
  if (span.statusCode !== 0 || span.statusMessage !== '') {
    w.uint32(W.SPAN_STATUS).fork();
    if (span.statusMessage !== '') w.uint32(W.STATUS_MESSAGE).string(span.statusMessage);
    if (span.statusCode !== 0) w.uint32(W.STATUS_CODE).uint32(span.statusCode);
    w.ldelim();
  }
  if (span.flags !== 0) w.uint32(W.SPAN_FLAGS).fixed32(span.flags);
}

/** Writes the KeyValue entries of a KeyValueList as repeated field `tag` of the enclosing message. */
export function writeAttributes(w: Writer, tag: number, kvlist: Buffer): void {
  if (kvlist.length === 0) return;
  const r = createReader(kvlist);
  while (r.pos < kvlist.length) {
    const t = r.uint32();
    if (t === W.KVLIST_VALUES) w.uint32(tag).bytes(readBytesView(kvlist, r, kvlist.length));
    else skipField(r, t, kvlist.length);
  }
}

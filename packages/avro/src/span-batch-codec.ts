import type { ResourceRecord, ScopeRecord, SpanBatch, SpanRecord } from '@tailstream/model';
import { AvroFormatError, AvroReader, AvroWriter } from './binary';
import { SCHEMA_HEADER, SchemaError } from './codec';
import { LazySpan, readLazySpan, readPlainSpan } from './lazy-span';
import { DecodedRecordCache } from './record-cache';

/** Writer schemas of SpanBatch this build reads, and whether each ends with receivedAtUnixNano. */
const VERSIONS: Record<string, { receivedAt: boolean }> = {
  'span-batch.v1': { receivedAt: false },
  'span-batch.v2': { receivedAt: true },
};

/** The SpanBatch writer schema this build writes (also what @tailstream/otlp's transcoder writes). */
export const SPAN_BATCH_SCHEMA_ID = 'span-batch.v2';

/**
 * SpanBatch (spans topic, and inside KeptSpanBatch) in Avro binary, specialised for its schema
 * instead of going through avsc: the hot path of every worker. Writes span-batch.v2 and reads
 * v1 and v2, byte for byte as avsc does (span-batch-codec.test.ts checks both directions against
 * avsc on generated and load-generator batches; span-batch-schema.test.ts pins the field order to
 * the schema files). What it saves: no bigint arithmetic or Buffer per `long`, no copy of any
 * `bytes` field on read (they are views into the message), and, with decodeLazy(), no decoding
 * of span fields a stage never reads.
 */
export class SpanBatchCodec {
  readonly schemaId = SPAN_BATCH_SCHEMA_ID;
  private readonly writer = new AvroWriter();
  /** Resources and scopes seen by decodeLazy(), by their bytes (see DecodedRecordCache). */
  private readonly records: RecordCaches = {
    resources: new DecodedRecordCache(skipResource, readResource),
    scopes: new DecodedRecordCache(skipScope, readScope),
  };

  get headers(): Record<string, string> {
    return { [SCHEMA_HEADER]: this.schemaId };
  }

  encode(batch: SpanBatch): Buffer {
    const w = this.writer;
    w.reset();
    writeSpanBatch(w, batch);
    return w.take();
  }

  /**
   * Decodes into plain span objects. Bytes fields (IDs, attributes, events, links) are views
   * into `buf`, which must not be modified afterwards.
   */
  decode(buf: Buffer, writerId: string | undefined): SpanBatch {
    return this.read(buf, writerId, false);
  }

  /**
   * Decodes with LazySpan spans: each span's structure is checked, but its fields are decoded
   * only when read. The spans keep `buf` alive (see LazySpan). Resources and scopes equal to ones
   * this codec decoded before are returned as the same (immutable) objects.
   */
  decodeLazy(buf: Buffer, writerId: string | undefined): SpanBatch {
    return this.read(buf, writerId, true);
  }

  /** Reads a batch that starts at the reader's position (e.g. inside a KeptSpanBatch). */
  readFrom(r: AvroReader, writerId: string, lazy: boolean): SpanBatch {
    const version = VERSIONS[writerId];
    if (version === undefined) throw unknownWriter(writerId);
    return readSpanBatch(r, version.receivedAt, lazy ? this.records : undefined);
  }

  private read(buf: Buffer, writerId: string | undefined, lazy: boolean): SpanBatch {
    if (writerId === undefined || writerId === '') {
      throw new SchemaError(`message has no ${SCHEMA_HEADER} header; expected one of ${Object.keys(VERSIONS).join(', ')}`);
    }
    const version = VERSIONS[writerId];
    if (version === undefined) throw unknownWriter(writerId);
    try {
      const r = new AvroReader(buf);
      const batch = readSpanBatch(r, version.receivedAt, lazy ? this.records : undefined);
      r.expectEnd();
      return batch;
    } catch (cause) {
      if (!(cause instanceof AvroFormatError)) throw cause;
      throw new SchemaError(`cannot decode ${writerId} value: ${cause.message}`, { cause });
    }
  }
}

function unknownWriter(writerId: string): SchemaError {
  return new SchemaError(`unknown writer schema ${writerId}; this reader knows ${Object.keys(VERSIONS).join(', ')}`);
}

interface RecordCaches {
  resources: DecodedRecordCache<ResourceRecord>;
  scopes: DecodedRecordCache<ScopeRecord>;
}

/** Reads a batch; with `lazy` caches, spans are LazySpans and resources/scopes come through the caches. */
function readSpanBatch(r: AvroReader, hasReceivedAt: boolean, lazy: RecordCaches | undefined): SpanBatch {
  const traceId = r.bytesView();
  const resources: ResourceRecord[] = [];
  for (let n = r.blockCount(); n !== 0; n = r.blockCount()) {
    for (let i = 0; i < n; i++) resources.push(lazy ? lazy.resources.read(r) : readResource(r));
  }
  const scopes: ScopeRecord[] = [];
  for (let n = r.blockCount(); n !== 0; n = r.blockCount()) {
    for (let i = 0; i < n; i++) scopes.push(lazy ? lazy.scopes.read(r) : readScope(r));
  }
  const spans: SpanRecord[] = [];
  for (let n = r.blockCount(); n !== 0; n = r.blockCount()) {
    for (let i = 0; i < n; i++) spans.push(lazy ? readLazySpan(r) : readPlainSpan(r));
  }
  const receivedAtUnixNano = hasReceivedAt ? r.long() : 0n;
  return { traceId, resources, scopes, spans, receivedAtUnixNano };
}

function readResource(r: AvroReader): ResourceRecord {
  return { serviceName: r.string(), attributes: r.bytesView(), droppedAttributesCount: r.int(), schemaUrl: r.string() };
}

function skipResource(r: AvroReader): void {
  r.skipBytes();
  r.skipBytes();
  r.skipVarint();
  r.skipBytes();
}

function readScope(r: AvroReader): ScopeRecord {
  return { name: r.string(), version: r.string(), attributes: r.bytesView(), droppedAttributesCount: r.int(), schemaUrl: r.string() };
}

function skipScope(r: AvroReader): void {
  r.skipBytes();
  r.skipBytes();
  r.skipBytes();
  r.skipVarint();
  r.skipBytes();
}

/** Appends a SpanBatch in the current schema (span-batch.v2). */
export function writeSpanBatch(w: AvroWriter, batch: SpanBatch): void {
  w.bytes(batch.traceId);
  const resources = batch.resources;
  if (resources.length > 0) {
    w.int(resources.length);
    for (const res of resources) writeResourceRecord(w, res);
  }
  w.int(0);
  const scopes = batch.scopes;
  if (scopes.length > 0) {
    w.int(scopes.length);
    for (const scope of scopes) writeScopeRecord(w, scope);
  }
  w.int(0);
  const spans = batch.spans;
  if (spans.length > 0) {
    w.int(spans.length);
    for (const span of spans) {
      if (span instanceof LazySpan) writeLazySpan(w, span);
      else writePlainSpan(w, span);
    }
  }
  w.int(0);
  w.long(batch.receivedAtUnixNano);
}

/** Appends one Resource record of a SpanBatch. */
export function writeResourceRecord(w: AvroWriter, res: ResourceRecord): void {
  w.string(res.serviceName);
  w.bytes(res.attributes);
  w.int(res.droppedAttributesCount);
  w.string(res.schemaUrl);
}

/** Appends one Scope record of a SpanBatch. */
export function writeScopeRecord(w: AvroWriter, scope: ScopeRecord): void {
  w.string(scope.name);
  w.string(scope.version);
  w.bytes(scope.attributes);
  w.int(scope.droppedAttributesCount);
  w.string(scope.schemaUrl);
}

/** A lazy span is copied as the bytes it came in, with its (possibly rewritten) indexes. */
function writeLazySpan(w: AvroWriter, span: LazySpan): void {
  const { from, to } = span.indexFieldsRange();
  w.raw(span.source, span.start, from);
  w.int(span.resourceIndex);
  w.int(span.scopeIndex);
  w.raw(span.source, to, span.end);
}

function writePlainSpan(w: AvroWriter, span: SpanRecord): void {
  w.bytes(span.spanId);
  w.bytes(span.parentSpanId);
  w.string(span.traceState);
  w.int(span.flags);
  w.string(span.name);
  w.int(span.kind);
  w.long(span.startTimeUnixNano);
  w.long(span.endTimeUnixNano);
  w.int(span.statusCode);
  w.string(span.statusMessage);
  w.int(span.resourceIndex);
  w.int(span.scopeIndex);
  w.bytes(span.attributes);
  w.int(span.droppedAttributesCount);
  writeBytesArray(w, span.events);
  w.int(span.droppedEventsCount);
  writeBytesArray(w, span.links);
  w.int(span.droppedLinksCount);
}

function writeBytesArray(w: AvroWriter, items: readonly Buffer[]): void {
  if (items.length > 0) {
    w.int(items.length);
    for (const item of items) w.bytes(item);
  }
  w.int(0);
}

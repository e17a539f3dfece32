import { spanIdKeyAt, type SpanRecord, type SpanTimes } from '@tailstream/model';
import { AvroReader } from './binary';

/**
 * Field order of the Avro `Span` record (schemas/avro/span-batch.v1/v2.avsc: identical in both).
 * span-batch-schema.test.ts fails if the schema files and this list ever disagree.
 */
export const SPAN_FIELDS = [
  'spanId',
  'parentSpanId',
  'traceState',
  'flags',
  'name',
  'kind',
  'startTimeUnixNano',
  'endTimeUnixNano',
  'statusCode',
  'statusMessage',
  'resourceIndex',
  'scopeIndex',
  'attributes',
  'droppedAttributesCount',
  'events',
  'droppedEventsCount',
  'links',
  'droppedLinksCount',
] as const;

const enum F {
  spanId = 0,
  parentSpanId = 1,
  traceState = 2,
  flags = 3,
  name = 4,
  kind = 5,
  start = 6,
  end = 7,
  statusCode = 8,
  statusMessage = 9,
  resourceIndex = 10,
  scopeIndex = 11,
  attributes = 12,
  droppedAttributesCount = 13,
  events = 14,
  droppedEventsCount = 15,
  links = 16,
  droppedLinksCount = 17,
}

/** How each field is skipped: 0 varint, 1 length-prefixed, 2 array of bytes. */
const SKIP_KIND = [1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 1, 0, 2, 0, 2, 0] as const;

/** Skips fields [from, to) of a span record. */
export function skipSpanFields(r: AvroReader, from: number, to: number): void {
  for (let f = from; f < to; f++) {
    const kind = SKIP_KIND[f];
    if (kind === 0) r.skipVarint();
    else if (kind === 1) r.skipBytes();
    else {
      for (let n = r.blockCount(); n !== 0; n = r.blockCount()) {
        for (let i = 0; i < n; i++) r.skipBytes();
      }
    }
  }
}

function readBytesArray(r: AvroReader): Buffer[] {
  const out: Buffer[] = [];
  for (let n = r.blockCount(); n !== 0; n = r.blockCount()) {
    for (let i = 0; i < n; i++) out.push(r.bytesView());
  }
  return out;
}

/** One reader reused by every getter (getters are synchronous and never nest). */
const scratch = new AvroReader(Buffer.alloc(0));

/**
 * A span read in place from the Avro bytes of its batch: only the position of the record and
 * its (rewritable) resource and scope indexes are held; every other field is decoded when it is
 * read. Bytes fields are views into the batch buffer, so a lazy span keeps that buffer alive:
 * when the span is held for long, move it to a buffer of its own with relocate() (trace assembly
 * does, see @tailstream/assembly's detachSpans). The record's structure was checked when the
 * batch was read, so getters cannot fail.
 *
 * No field is cached, so a lazy span costs a few machine words on the heap while it waits for a
 * decision; `isRoot` and `spanIdKey()` answer what trace assembly asks of every span without
 * creating a view.
 */
export class LazySpan implements SpanRecord {
  constructor(
    /** The buffer holding the batch (replaced by relocate()). */
    public source: Buffer,
    /** Byte range of this span's record in `source`. */
    public start: number,
    public end: number,
    public resourceIndex: number,
    public scopeIndex: number,
    /**
     * Where fields startTimeUnixNano and attributes begin in `source` (found by the walk that
     * checked the record): getters of the often read fields from start time on skip at most
     * five fields instead of up to twelve. Negative = unknown, walk from the record's start.
     */
    private timesAt = -1,
    private attributesAt = -1,
  ) {}

  /**
   * Moves the span to `source`, which holds the same bytes that the old source held from
   * offset `shift` on (a copy of a range of it): every position moves down by `shift`.
   */
  relocate(source: Buffer, shift: number): void {
    this.source = source;
    this.start -= shift;
    this.end -= shift;
    if (this.timesAt >= 0) this.timesAt -= shift;
    if (this.attributesAt >= 0) this.attributesAt -= shift;
  }

  /** Bytes of the encoded record (a size measure that costs nothing to read). */
  get encodedBytes(): number {
    return this.end - this.start;
  }

  get spanId(): Buffer {
    return this.at(F.spanId).bytesView();
  }
  /** `spanIdKeyAt` of the span ID (@tailstream/model), read in place. */
  spanIdKey(): number {
    const r = this.at(F.spanId);
    const length = r.length();
    return spanIdKeyAt(this.source, r.pos, length);
  }
  get parentSpanId(): Buffer {
    return this.at(F.parentSpanId).bytesView();
  }
  /** True for a root span (empty parent ID), without creating a view. */
  get isRoot(): boolean {
    return this.at(F.parentSpanId).length() === 0;
  }
  get traceState(): string {
    return this.at(F.traceState).string();
  }
  get flags(): number {
    return this.at(F.flags).int();
  }
  get name(): string {
    return this.at(F.name).string();
  }
  get kind(): number {
    return this.at(F.kind).int();
  }
  get startTimeUnixNano(): bigint {
    return this.at(F.start).long();
  }
  get endTimeUnixNano(): bigint {
    return this.at(F.end).long();
  }
  /** Start and end time as 32-bit halves (readSpanTimes of @tailstream/model), in one read and without bigints. */
  readTimes(out: SpanTimes): void {
    const r = this.at(F.start);
    r.longSplit();
    out.startHi = r.longHi;
    out.startLo = r.longLo;
    r.longSplit();
    out.endHi = r.longHi;
    out.endLo = r.longLo;
  }
  get statusCode(): number {
    return this.at(F.statusCode).int();
  }
  get statusMessage(): string {
    return this.at(F.statusMessage).string();
  }
  get attributes(): Buffer {
    return this.at(F.attributes).bytesView();
  }
  /** Where the `attributes` bytes lie (the getter's view, without creating it). */
  readAttributeBounds(out: { source: Buffer; start: number; end: number }): void {
    const r = this.at(F.attributes);
    const length = r.length();
    out.source = this.source;
    out.start = r.pos;
    out.end = r.pos + length;
  }
  get droppedAttributesCount(): number {
    return this.at(F.droppedAttributesCount).int();
  }
  get events(): Buffer[] {
    return readBytesArray(this.at(F.events));
  }
  get droppedEventsCount(): number {
    return this.at(F.droppedEventsCount).int();
  }
  get links(): Buffer[] {
    return readBytesArray(this.at(F.links));
  }
  get droppedLinksCount(): number {
    return this.at(F.droppedLinksCount).int();
  }

  /** Byte range of the resourceIndex and scopeIndex fields (for re-encoding with new indexes). */
  indexFieldsRange(): { from: number; to: number } {
    const r = this.at(F.resourceIndex);
    const from = r.pos;
    skipSpanFields(r, F.resourceIndex, F.attributes);
    return { from, to: r.pos };
  }

  /** A plain SpanRecord with the same content (bytes fields stay views into `source`). */
  toRecord(): SpanRecord {
    return readPlainSpan(new AvroReader(this.source, this.start, this.end), this.resourceIndex, this.scopeIndex);
  }

  private at(field: number): AvroReader {
    const r = scratch;
    if (field >= F.attributes && this.attributesAt >= 0) {
      r.reset(this.source, this.attributesAt, this.end);
      skipSpanFields(r, F.attributes, field);
    } else if (field >= F.start && this.timesAt >= 0) {
      r.reset(this.source, this.timesAt, this.end);
      skipSpanFields(r, F.start, field);
    } else {
      r.reset(this.source, this.start, this.end);
      skipSpanFields(r, 0, field);
    }
    return r;
  }
}

/** Reads one span record into a plain object; resource/scope indexes from the record unless given. */
export function readPlainSpan(r: AvroReader, resourceIndex?: number, scopeIndex?: number): SpanRecord {
  const spanId = r.bytesView();
  const parentSpanId = r.bytesView();
  const traceState = r.string();
  const flags = r.int();
  const name = r.string();
  const kind = r.int();
  const startTimeUnixNano = r.long();
  const endTimeUnixNano = r.long();
  const statusCode = r.int();
  const statusMessage = r.string();
  const ri = r.int();
  const si = r.int();
  return {
    spanId,
    parentSpanId,
    traceState,
    flags,
    name,
    kind,
    startTimeUnixNano,
    endTimeUnixNano,
    statusCode,
    statusMessage,
    resourceIndex: resourceIndex ?? ri,
    scopeIndex: scopeIndex ?? si,
    attributes: r.bytesView(),
    droppedAttributesCount: r.int(),
    events: readBytesArray(r),
    droppedEventsCount: r.int(),
    links: readBytesArray(r),
    droppedLinksCount: r.int(),
  };
}

/** Reads one span record lazily: walks it once (checking its structure) and keeps its range. */
export function readLazySpan(r: AvroReader): LazySpan {
  const start = r.pos;
  const end = walkUsualSpan(r.buf, start, r.end);
  if (end >= 0) {
    r.pos = end;
    return new LazySpan(r.buf, start, end, walked.resourceIndex, walked.scopeIndex, walked.timesAt, walked.attributesAt);
  }
  skipSpanFields(r, 0, F.start);
  const timesAt = r.pos;
  skipSpanFields(r, F.start, F.resourceIndex);
  const resourceIndex = r.int();
  const scopeIndex = r.int();
  const attributesAt = r.pos;
  skipSpanFields(r, F.attributes, SPAN_FIELDS.length);
  return new LazySpan(r.buf, start, r.pos, resourceIndex, scopeIndex, timesAt, attributesAt);
}

/** What walkUsualSpan found besides the record's end (one instance: walks never nest). */
export const walked = { timesAt: 0, attributesAt: 0, resourceIndex: 0, scopeIndex: 0 };

/**
 * The walk of readLazySpan for the usual encoding, in one function on local positions: lengths
 * of less than 2 MiB, small non-negative resource and scope indexes, arrays in positive blocks.
 * Returns the record's end, or -1 for anything else (valid or not), which the caller then walks
 * with AvroReader: that accepts every valid form and names what is wrong with an invalid one.
 */
export function walkUsualSpan(buf: Buffer, pos: number, end: number): number {
  pos = bytesEnd(buf, bytesEnd(buf, bytesEnd(buf, pos, end), end), end); // spanId, parentSpanId, traceState
  pos = varintEnd(buf, bytesEnd(buf, varintEnd(buf, pos, end), end), end); // flags, name, kind
  if (pos < 0) return -1;
  walked.timesAt = pos;
  pos = bytesEnd(buf, varintEnd(buf, varintEnd(buf, varintEnd(buf, pos, end), end), end), end); // times, statusCode, statusMessage
  if (pos < 0 || pos + 2 > end) return -1;
  const resourceIndex = buf[pos] as number;
  const scopeIndex = buf[pos + 1] as number;
  // one-byte zig-zag ints 0..63
  if (resourceIndex >= 0x80 || scopeIndex >= 0x80 || (resourceIndex & 1) !== 0 || (scopeIndex & 1) !== 0) return -1;
  walked.resourceIndex = resourceIndex >>> 1;
  walked.scopeIndex = scopeIndex >>> 1;
  pos += 2;
  walked.attributesAt = pos;
  pos = bytesArrayEnd(buf, varintEnd(buf, bytesEnd(buf, pos, end), end), end); // attributes, dropped count, events
  pos = bytesArrayEnd(buf, varintEnd(buf, pos, end), end); // dropped events, links
  return varintEnd(buf, pos, end); // dropped links
}

/** End of the `bytes` value at `pos` (length below 2 MiB), or -1. */
function bytesEnd(buf: Buffer, pos: number, end: number): number {
  if (pos < 0 || pos >= end) return -1;
  let b = buf[pos++] as number;
  let n = b & 0x7f;
  if (b >= 0x80) {
    if (pos >= end) return -1;
    b = buf[pos++] as number;
    n |= (b & 0x7f) << 7;
    if (b >= 0x80) {
      if (pos >= end) return -1;
      b = buf[pos++] as number;
      if (b >= 0x80) return -1;
      n |= b << 14;
    }
  }
  if ((n & 1) !== 0) return -1;
  const next = pos + (n >>> 1);
  return next <= end ? next : -1;
}

/** End of the varint at `pos` (at most 10 bytes), or -1. */
function varintEnd(buf: Buffer, pos: number, end: number): number {
  if (pos < 0) return -1;
  const limit = Math.min(end, pos + 10);
  while (pos < limit) if ((buf[pos++] as number) < 0x80) return pos;
  return -1;
}

/** End of an array of `bytes` at `pos` in blocks of positive counts below 64, or -1. */
function bytesArrayEnd(buf: Buffer, pos: number, end: number): number {
  for (;;) {
    if (pos < 0 || pos >= end) return -1;
    const count = buf[pos++] as number;
    if (count === 0) return pos;
    if (count >= 0x80 || (count & 1) !== 0) return -1;
    for (let i = count >>> 1; i > 0; i--) pos = bytesEnd(buf, pos, end);
  }
}

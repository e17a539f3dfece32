import type { SpanRecord } from '@tailstream/model';

/**
 * A span read in place from a buffer it shares with other data (e.g. @tailstream/avro's
 * LazySpan, a view into a decompressed record batch or a fetch response), which it can leave
 * for a copy of its own bytes.
 */
export interface InPlaceSpan {
  readonly source: Buffer;
  /** Byte range of the span in `source`. */
  readonly start: number;
  readonly end: number;
  /** Moves to `source`, which holds the old source's bytes from offset `shift` on. */
  relocate(source: Buffer, shift: number): void;
}

export function isInPlaceSpan(span: SpanRecord): span is SpanRecord & InPlaceSpan {
  return typeof (span as Partial<InPlaceSpan>).relocate === 'function';
}

/** Bytes of other data a run may include between two spans, rather than starting a new copy. */
const MAX_GAP_BYTES = 4096;

/**
 * Copies spans[from, to) that are read in place into buffers of their own, one copy per run of
 * consecutive spans that sit close together in the same buffer (the spans of one record), and
 * returns the bytes copied. Other spans are left as they are.
 */
export function detachSpans(spans: readonly SpanRecord[], from: number, to: number): number {
  let copied = 0;
  let i = from;
  while (i < to) {
    const first = spans[i] as SpanRecord;
    if (!isInPlaceSpan(first)) {
      i++;
      continue;
    }
    const source = first.source;
    const lo = first.start;
    let hi = first.end;
    let j = i + 1;
    for (; j < to; j++) {
      const next = spans[j] as SpanRecord;
      if (!isInPlaceSpan(next) || next.source !== source || next.start < lo || next.start > hi + MAX_GAP_BYTES) break;
      if (next.end > hi) hi = next.end;
    }
    const own = Buffer.allocUnsafeSlow(hi - lo);
    source.copy(own, 0, lo, hi);
    for (let k = i; k < j; k++) (spans[k] as SpanRecord & InPlaceSpan).relocate(own, lo);
    copied += hi - lo;
    i = j;
  }
  return copied;
}

/**
 * Told when a trace starts reading a shared buffer in place and when it is done with it, e.g. to
 * reuse the buffer's memory once nothing reads it (@tailstream/kafka's BatchMemoryPool). A
 * decided trace is done only once its caller says so (TraceBuffer.release), not at the decision:
 * its spans are read when it is emitted.
 */
export interface SharedBufferLifetime {
  retain(buffer: ArrayBufferLike): void;
  release(buffer: ArrayBufferLike): void;
}

/**
 * The shared buffers that buffered spans read in place, counted once each, in full, however
 * many traces read them: a buffer stays alive until its last reader is decided or detached.
 * Traces pin a buffer once (the first span read from it) and unpin it once.
 */
export class SharedBufferPins {
  private readonly readers = new Map<ArrayBufferLike, number>();
  /** Bytes of every pinned buffer. */
  bytes = 0;

  /** @param lifetime told of every reader (trace) of a buffer, from pin() until it is done (see SharedBufferLifetime) */
  constructor(readonly lifetime?: SharedBufferLifetime) {}

  /** Adds a reader of `buffer`; returns the bytes this made pinned (0 if it already was). */
  pin(buffer: ArrayBufferLike): number {
    const readers = this.readers.get(buffer);
    if (readers !== undefined) {
      this.readers.set(buffer, readers + 1);
      return 0;
    }
    this.readers.set(buffer, 1);
    this.bytes += buffer.byteLength;
    return buffer.byteLength;
  }

  /** Removes a reader of `buffer`; returns the bytes this released (0 while others read it). */
  unpin(buffer: ArrayBufferLike): number {
    const readers = this.readers.get(buffer);
    if (readers === undefined) return 0;
    if (readers > 1) {
      this.readers.set(buffer, readers - 1);
      return 0;
    }
    this.readers.delete(buffer);
    this.bytes -= buffer.byteLength;
    return buffer.byteLength;
  }

  /** Buffers pinned now. */
  get size(): number {
    return this.readers.size;
  }
}

import type { SpanRecord } from '@tailstream/model';
import { RecordInterner } from './record-interner';

/** Shared by every span without events or links (frozen: nothing may push into it). */
const NO_BUFFERS = Object.freeze([]) as unknown as Buffer[];
/** Shared by every root span. */
const NO_PARENT = Buffer.alloc(0);
/** Interned names per buffer at most; beyond, new names are kept as they are. */
const MAX_INTERNED_NAMES = 4096;

/**
 * Shrinks what buffered spans hold on the heap without changing their content: empty
 * event/link lists and empty parent IDs become shared instances, span names (decoded as a
 * fresh string per span, but drawn from a small set in practice) are interned, and so are the
 * resources and scopes every batch carries a copy of. Bounded; cleared on drain.
 */
export class SpanCompactor {
  readonly records = new RecordInterner();
  private readonly names = new Map<string, string>();

  compact(span: SpanRecord): void {
    // Only plain decoded objects: a lazily read span (e.g. @tailstream/avro's LazySpan) holds no
    // decoded fields to shrink, and its fields are read-only views of its bytes.
    if (Object.getPrototypeOf(span) !== Object.prototype) return;
    if (span.events.length === 0) span.events = NO_BUFFERS;
    if (span.links.length === 0) span.links = NO_BUFFERS;
    if (span.parentSpanId.length === 0) span.parentSpanId = NO_PARENT;
    const name = this.names.get(span.name);
    if (name !== undefined) span.name = name;
    else if (this.names.size < MAX_INTERNED_NAMES) this.names.set(span.name, span.name);
  }

  clear(): void {
    this.names.clear();
    this.records.clear();
  }
}

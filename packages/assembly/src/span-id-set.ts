import type { SpanRecord } from '@tailstream/model';

/** Up to this many spans, duplicates are found by scanning the keys; above, a Set of them is built. */
const SCAN_LIMIT = 32;

/**
 * Detects spans already held by a trace, by span ID. Each held span is remembered by a numeric
 * key (`spanIdKeyOf` of @tailstream/model: a small integer mixed from its ID bytes), 8 bytes
 * per span, so no ID buffer is created or kept per span. Small traces (most of them) scan the
 * keys; larger ones also keep a Set of them. A key hit is confirmed by comparing the full IDs, so
 * a key collision never drops a distinct span.
 */
export class SpanIdSet {
  /** Key of each held span, in the order of `held`. */
  private readonly keys: number[] = [];
  private index: Set<number> | undefined;

  /** True when a span with the same ID as `span` (whose key is `key`) is in `held`. */
  has(held: readonly SpanRecord[], span: SpanRecord, key: number): boolean {
    if (this.index !== undefined && !this.index.has(key)) return false;
    const keys = this.keys;
    for (let i = 0; i < keys.length; i++) {
      if (keys[i] === key && sameId((held[i] as SpanRecord).spanId, span.spanId)) return true;
    }
    return false;
  }

  /** Records the key of a span just appended to `held` (call after the push). */
  added(key: number): void {
    this.keys.push(key);
    if (this.index !== undefined) this.index.add(key);
    else if (this.keys.length > SCAN_LIMIT) this.index = new Set(this.keys);
  }
}

function sameId(a: Buffer, b: Buffer): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

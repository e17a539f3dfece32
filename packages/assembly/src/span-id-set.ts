import type { SpanRecord } from '@tailstream/model';

/** Up to this many spans, duplicates are found by scanning; above, a number-keyed set is built. */
const SCAN_LIMIT = 32;

/**
 * Detects spans already held by a trace, by span ID. Small traces (most of them) pay no extra
 * memory: the held spans are scanned. Larger traces keep a Set of 52-bit numeric keys taken
 * from the first 6.5 bytes of the ID; a key hit is confirmed by comparing the full IDs, so a
 * key collision never drops a distinct span.
 */
export class SpanIdSet {
  private keys: Set<number> | undefined;

  /** True when a span with the same ID as `span` is in `held`. */
  has(held: readonly SpanRecord[], span: SpanRecord): boolean {
    const id = span.spanId;
    if (this.keys === undefined) {
      for (let i = 0; i < held.length; i++) {
        if (sameId((held[i] as SpanRecord).spanId, id)) return true;
      }
      return false;
    }
    if (!this.keys.has(spanIdKey(id))) return false;
    for (let i = 0; i < held.length; i++) {
      if (sameId((held[i] as SpanRecord).spanId, id)) return true;
    }
    return false;
  }

  /** Records a span just appended to `held` (call after the push). */
  added(held: readonly SpanRecord[], span: SpanRecord): void {
    if (this.keys !== undefined) {
      this.keys.add(spanIdKey(span.spanId));
    } else if (held.length > SCAN_LIMIT) {
      const keys = new Set<number>();
      for (let i = 0; i < held.length; i++) keys.add(spanIdKey((held[i] as SpanRecord).spanId));
      this.keys = keys;
    }
  }
}

function sameId(a: Buffer, b: Buffer): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An exact integer below 2^52 from the first bytes of a span ID (any length). */
export function spanIdKey(id: Buffer): number {
  const low = ((id[0] ?? 0) | ((id[1] ?? 0) << 8) | ((id[2] ?? 0) << 16) | ((id[3] ?? 0) << 24)) >>> 0;
  const high = (id[4] ?? 0) | ((id[5] ?? 0) << 8) | (((id[6] ?? 0) & 0x0f) << 16);
  return high * 4294967296 + low;
}

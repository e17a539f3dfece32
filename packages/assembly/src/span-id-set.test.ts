import { spanIdKeyAt, spanIdKeyOf, type SpanRecord } from '@tailstream/model';
import { SpanIdSet } from './span-id-set';
import { span } from './test-support/fixtures';

/** A span whose ID is `id` (other fields from the fixtures). */
function withId(id: Buffer): SpanRecord {
  return { ...span({ id: 1 }), spanId: id };
}

/** Adds spans in order as a trace would; returns the IDs (hex) reported as duplicates. */
function feed(spans: SpanRecord[]): string[] {
  const held: SpanRecord[] = [];
  const ids = new SpanIdSet();
  const duplicates: string[] = [];
  for (const s of spans) {
    const key = spanIdKeyOf(s);
    if (ids.has(held, s, key)) {
      duplicates.push(s.spanId.toString('hex'));
      continue;
    }
    held.push(s);
    ids.added(key);
  }
  return duplicates;
}

describe('SpanIdSet', () => {
  // IDs with equal keys: only the full comparison tells them apart. The key mixes both 4-byte
  // halves of the ID; changing the high half and compensating in the low half keeps the key.
  const keyMix = (high: number): number => Math.imul(high, 0x9e3779b1) ^ (high >>> 15);
  const colliding = (n: number): Buffer => {
    const id = Buffer.alloc(8);
    const high = 0x01020304 + n;
    id.writeInt32LE((0x0a0b0c0d ^ keyMix(0x01020304) ^ keyMix(high)) | 0, 0);
    id.writeInt32LE(high | 0, 4);
    return id;
  };

  it('gives colliding IDs the same key, and keys from the ID bytes only', () => {
    expect(spanIdKeyAt(colliding(1), 0, 8)).toBe(spanIdKeyAt(colliding(2), 0, 8));
    expect(colliding(1).equals(colliding(2))).toBe(false);
    expect(spanIdKeyAt(Buffer.from([9, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 1, 8)).toBe(spanIdKeyAt(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), 0, 8));
    expect(spanIdKeyAt(Buffer.from([1, 2]), 0, 2)).toBe(spanIdKeyAt(Buffer.from([1, 2, 0, 0, 0, 0, 0, 0]), 0, 8));
  });

  it('gives small non-negative integers, distinct for IDs that differ in any one byte', () => {
    const base = Buffer.from([0x5a, 1, 2, 3, 4, 5, 6, 7]);
    const keys = new Set<number>();
    for (let i = 0; i < 8; i++) {
      for (const delta of [1, 2, 0x80]) {
        const id = Buffer.from(base);
        id[i] = (id[i]! + delta) & 0xff;
        const key = spanIdKeyAt(id, 0, 8);
        expect(Number.isInteger(key) && key >= 0 && key < 2 ** 30).toBe(true);
        keys.add(key);
      }
    }
    expect(keys.size).toBe(24);
  });

  it.each([
    ['by scanning (small trace)', 10],
    ['through its key set (large trace)', 200],
  ])('keeps every distinct ID and reports every repeat, %s', (_, count) => {
    const distinct = Array.from({ length: count }, (_, i) => withId(colliding(i)));
    const repeats = [distinct[0], distinct[count - 1], distinct[count >> 1]].map((s) => withId(Buffer.from((s as SpanRecord).spanId)));
    const duplicates = feed([...distinct, ...repeats]);
    expect(duplicates).toEqual(repeats.map((s) => s.spanId.toString('hex')));
  });

  it('uses a span’s own spanIdKey() when it has one', () => {
    const held: SpanRecord[] = [];
    const ids = new SpanIdSet();
    const a = withId(colliding(1));
    const lazyLike = Object.assign(withId(colliding(1)), { spanIdKey: () => 42 });
    ids.added(spanIdKeyOf(a));
    held.push(a);
    // The shortcut's key differs, so the set does not find the stored span under it.
    expect(spanIdKeyOf(lazyLike)).toBe(42);
    expect(ids.has(held, lazyLike, spanIdKeyOf(lazyLike))).toBe(false);
    expect(ids.has(held, lazyLike, spanIdKeyOf(a))).toBe(true);
  });
});

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
  // IDs equal in their first 6.5 bytes share a key: only the full comparison tells them apart.
  const colliding = (last: number): Buffer => Buffer.from([1, 2, 3, 4, 5, 6, 0x70 | (last >> 8), last & 0xff]);

  it('gives colliding IDs the same key, and keys from the ID bytes only', () => {
    expect(spanIdKeyAt(colliding(1), 0, 8)).toBe(spanIdKeyAt(colliding(2), 0, 8));
    expect(spanIdKeyAt(Buffer.from([9, 1, 2, 3, 4, 5, 6, 7, 8, 9]), 1, 8)).toBe(spanIdKeyAt(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), 0, 8));
    expect(spanIdKeyAt(Buffer.from([1, 2]), 0, 2)).toBe(spanIdKeyAt(Buffer.from([1, 2, 0, 0, 0, 0, 0, 0]), 0, 8));
    expect(spanIdKeyAt(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]), 0, 8)).toBeLessThan(2 ** 52);
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

import { DecisionCache, MAX_OUTCOMES, type CachedDecision } from './decision-cache';

const id = (n: number): Buffer => {
  const b = Buffer.alloc(16);
  b.writeUInt32BE(n, 12);
  return b;
};
const kept = (policy: string, spanCount: number, adjustedCount = 1, policyVersion = 'v1'): CachedDecision => ({ sampled: true, policy, policyVersion, adjustedCount, spanCount });
const dropped = (spanCount: number): CachedDecision => ({ sampled: false, policy: '', policyVersion: 'v1', adjustedCount: 0, spanCount });

describe('DecisionCache', () => {
  it('gives back every field of each decision, for many traces sharing few outcomes', () => {
    const cache = new DecisionCache(100);
    const decisions = [kept('errors', 3), dropped(14), kept('baseline', 1, 20), kept('errors', 250), dropped(0), kept('errors', 3, 1, 'v2')];
    decisions.forEach((d, i) => cache.set(id(i), d));
    decisions.forEach((d, i) => expect(cache.get(id(i))).toEqual(d));
    expect(cache.get(id(99))).toBeUndefined();
    // errors/1/v1, dropped, baseline/20, errors/1/v2
    expect(cache.outcomeCount).toBe(4);
    expect(cache.size).toBe(6);
  });

  it('keeps span counts exactly, also beyond a small integer', () => {
    const cache = new DecisionCache(10);
    for (const [i, n] of [1, 4095, 4096, 524_288, 2 ** 31 - 1, 2 ** 40].entries()) {
      cache.set(id(i), kept('large', n));
      expect(cache.get(id(i))?.spanCount).toBe(n);
    }
    // past the packed range, and odd values: kept as given in an object of their own
    cache.set(id(20), kept('large', 2 ** 41));
    cache.set(id(21), kept('odd', 1.5));
    expect(cache.get(id(20))).toEqual(kept('large', 2 ** 41));
    expect(cache.get(id(21))).toEqual(kept('odd', 1.5));
  });

  it('evicts the oldest inserted first; setting a trace again makes it the newest', () => {
    const cache = new DecisionCache(3);
    cache.set(id(1), kept('a', 1));
    cache.set(id(2), kept('a', 2));
    cache.set(id(3), kept('a', 3));
    cache.set(id(1), dropped(1)); // 1 is now the newest, with the later decision
    cache.set(id(4), kept('a', 4)); // evicts 2
    expect(cache.get(id(2))).toBeUndefined();
    expect(cache.get(id(1))).toEqual(dropped(1));
    expect(cache.get(id(3))).toEqual(kept('a', 3));
    expect(cache.get(id(4))).toEqual(kept('a', 4));
    expect(cache.size).toBe(3);
    expect(cache.evicted).toBe(1);
  });

  it('past MAX_OUTCOMES distinct outcomes, stores further ones whole and still answers all', () => {
    const cache = new DecisionCache(MAX_OUTCOMES + 100);
    for (let i = 0; i < MAX_OUTCOMES + 50; i++) cache.set(id(i), kept(`p${i}`, i % 7));
    expect(cache.outcomeCount).toBe(MAX_OUTCOMES);
    for (const i of [0, 1, MAX_OUTCOMES - 1, MAX_OUTCOMES, MAX_OUTCOMES + 49]) expect(cache.get(id(i))).toEqual(kept(`p${i}`, i % 7));
    // a numbered outcome is still packed after the table is full
    cache.set(id(MAX_OUTCOMES + 60), kept('p3', 9));
    expect(cache.get(id(MAX_OUTCOMES + 60))).toEqual(kept('p3', 9));
  });

  it('hands out copies: changing one does not change the cache', () => {
    const cache = new DecisionCache(10);
    cache.set(id(1), kept('errors', 5));
    const got = cache.get(id(1))!;
    got.spanCount = 99;
    got.policy = 'changed';
    expect(cache.get(id(1))).toEqual(kept('errors', 5));
  });

  it('stays exact through many wraps of its ring, with traces set again on the way', () => {
    const max = 50;
    const cache = new DecisionCache(max);
    const expected = new Map<number, CachedDecision>();
    const order: number[] = [];
    for (let i = 0; i < 2000; i++) {
      // every seventh step sets a recent trace again (a hole in the ring), the rest add new ones
      const n = i % 7 === 6 && order.length > 3 ? order[order.length - 3]! : i;
      const d = i % 3 === 0 ? dropped(i) : kept(`p${i % 5}`, i);
      cache.set(id(n), d);
      const at = order.indexOf(n);
      if (at >= 0) order.splice(at, 1);
      order.push(n);
      expected.set(n, d);
      while (order.length > max) expected.delete(order.shift()!);
    }
    expect(cache.size).toBe(max);
    for (const [n, d] of expected) expect(cache.get(id(n))).toEqual(d);
    for (let n = 0; n < 2000; n++) if (!expected.has(n)) expect(cache.get(id(n))).toBeUndefined();
  });

  it('tells apart trace IDs that share the bytes its hash reads', () => {
    const cache = new DecisionCache(100);
    const a = id(7);
    const b = Buffer.from(a);
    b[0] = 1; // bytes 4-7 and 12-15 are the same: same chain
    cache.set(a, kept('a', 1));
    cache.set(b, dropped(2));
    expect(cache.get(a)).toEqual(kept('a', 1));
    expect(cache.get(b)).toEqual(dropped(2));
    cache.set(a, kept('a', 3));
    expect(cache.get(b)).toEqual(dropped(2));
    expect(cache.get(a)).toEqual(kept('a', 3));
    expect(cache.size).toBe(2);
  });

  it('keeps trace IDs of another length too, within the same bound', () => {
    const cache = new DecisionCache(3);
    const short = Buffer.from('0102030405060708', 'hex');
    cache.set(short, kept('odd', 4));
    cache.set(id(1), kept('a', 1));
    expect(cache.get(short)).toEqual(kept('odd', 4));
    expect(cache.get(Buffer.concat([short, Buffer.alloc(8)]))).toBeUndefined();
    cache.set(id(2), kept('a', 2));
    cache.set(id(3), kept('a', 3)); // over the bound: the odd entry goes first
    expect(cache.get(short)).toBeUndefined();
    expect(cache.size).toBe(3);
    expect(cache.evicted).toBe(1);
  });

  it('holds its entries outside the JS heap, in arrays sized once', () => {
    const cache = new DecisionCache(1000);
    const before = cache.allocatedBytes;
    for (let i = 0; i < 5000; i++) cache.set(id(i), kept('a', i));
    expect(cache.allocatedBytes).toBe(before);
    // 16 ID bytes, a number and a chain link per slot (an eighth more slots than entries), plus the hash table
    expect(before / 1000).toBeLessThan(48);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new DecisionCache(0)).toThrow(/maxEntries must be a positive integer/);
  });
});

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
});

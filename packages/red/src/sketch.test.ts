import { LogSketch, SketchMapping, weightedQuantile } from './sketch';
import { prng } from './test-support/stream';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

describe('log sketch', () => {
  const mapping = new SketchMapping(0.01, 1024);

  it('keeps zero durations in their own bin, represented by 0', () => {
    const s = new LogSketch(mapping);
    s.add(0);
    s.add(0);
    s.add(5);
    const w = s.toWeighted();
    expect(Array.from(w.valuesMs)[0]).toBe(0);
    expect(Array.from(w.weights)).toEqual([2, 1]);
  });

  it('represents every value within the relative accuracy', () => {
    for (const v of [1e-6, 0.001, 0.5, 1, 2, 3.3, 10, 999.9, 1000, 15_000, 3_600_000]) {
      const s = new LogSketch(mapping);
      s.add(v);
      const rep = s.toWeighted().valuesMs[0] as number;
      expect(Math.abs(rep - v) / v).toBeLessThanOrEqual(0.01 + 1e-12);
    }
  });

  it('reads p50/p95/p99 within 1 % of the exact quantiles (seeded log-normal data)', () => {
    const rand = prng(42);
    const values: number[] = [];
    const s = new LogSketch(mapping);
    for (let i = 0; i < 20_000; i++) {
      const u = Math.max(rand(), 1e-12);
      const v = Math.exp(Math.log(50) + 1.2 * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand()));
      values.push(v);
      s.add(v);
    }
    values.sort((a, b) => a - b);
    const { valuesMs, weights } = s.toWeighted();
    expect(weights.reduce((a, b) => a + b, 0)).toBe(20_000);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = exactQuantile(values, q);
      expect(Math.abs(weightedQuantile(valuesMs, weights, q) - exact) / exact).toBeLessThanOrEqual(0.01 + 1e-12);
    }
  });

  it('merges by adding counts: two sketches equal one sketch of the union', () => {
    const rand = prng(7);
    const a = new LogSketch(mapping);
    const b = new LogSketch(mapping);
    const all = new LogSketch(mapping);
    for (let i = 0; i < 2000; i++) {
      const v = rand() * 1000;
      (i % 3 === 0 ? a : b).add(v);
      all.add(v);
    }
    const merged = new Map<number, number>();
    for (const w of [a.toWeighted(), b.toWeighted()]) {
      w.valuesMs.forEach((v, i) => merged.set(v, (merged.get(v) ?? 0) + (w.weights[i] as number)));
    }
    const union = all.toWeighted();
    expect([...merged.entries()].sort((x, y) => x[0] - y[0])).toEqual(Array.from(union.valuesMs, (v, i) => [v, union.weights[i]]));
  });

  it('is deterministic: the same values in the same order give identical output', () => {
    const build = () => {
      const rand = prng(99);
      const s = new LogSketch(mapping);
      for (let i = 0; i < 5000; i++) s.add(rand() * 10_000);
      return s.toWeighted();
    };
    expect(build()).toEqual(build());
  });

  it('stays within maxBins by folding the lowest bins, keeping counts exact', () => {
    const small = new SketchMapping(0.01, 64);
    const s = new LogSketch(small);
    const values = [0.001, 0.01, 0.1, 1, 10, 100, 1000, 10_000, 5, 0.0001, 20_000];
    for (const v of values) s.add(v);
    const { valuesMs, weights } = s.toWeighted();
    expect(weights.reduce((a, b) => a + b, 0)).toBe(values.length);
    expect(s.count()).toBe(values.length);
    const lowIndex = small.index(valuesMs[0] as number);
    const highIndex = small.index(valuesMs[valuesMs.length - 1] as number);
    expect(highIndex - lowIndex + 1).toBeLessThanOrEqual(64);
    // The largest values keep their precision.
    expect(Math.abs((valuesMs[valuesMs.length - 1] as number) - 20_000) / 20_000).toBeLessThanOrEqual(0.01 + 1e-12);
  });

  it('grows its bin array downward and upward without losing counts', () => {
    // 0.0005 ms .. 3e6 ms spans ~1130 bins at 1 %: give it room so nothing folds.
    const s = new LogSketch(new SketchMapping(0.01, 2048));
    const values = [100, 1, 10_000, 0.01, 50, 3_000_000, 0.0005];
    for (const v of values) s.add(v);
    const { valuesMs, weights } = s.toWeighted();
    expect(Array.from(weights)).toEqual(values.map(() => 1));
    const sorted = [...values].sort((a, b) => a - b);
    valuesMs.forEach((rep, i) => expect(Math.abs(rep - (sorted[i] as number)) / (sorted[i] as number)).toBeLessThanOrEqual(0.0100001));
  });

  it('weightedQuantile returns NaN for an empty sketch', () => {
    expect(weightedQuantile([], [], 0.5)).toBeNaN();
  });
});

import { DEFAULT_HISTOGRAM_BOUNDS_MS, histogramBoundsToNanos, histogramBucketIndex } from './histogram';

describe('explicit-bucket histogram', () => {
  const boundsNs = histogramBoundsToNanos(DEFAULT_HISTOGRAM_BOUNDS_MS) as Float64Array;

  it('defaults to the OTel spanmetrics connector bounds (ms)', () => {
    expect(DEFAULT_HISTOGRAM_BOUNDS_MS).toEqual([2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10000, 15000]);
    expect(Array.from(boundsNs.slice(0, 3))).toEqual([2_000_000, 4_000_000, 6_000_000]);
  });

  it.each([
    ['zero', 0, 0],
    ['1 ns', 1, 0],
    ['exactly on the first bound (2 ms) → that bound closes it', 2_000_000, 0],
    ['1 ns above the first bound', 2_000_001, 1],
    ['exactly 4 ms', 4_000_000, 1],
    ['exactly 10 ms', 10_000_000, 4],
    ['10 ms + 1 ns', 10_000_001, 5],
    ['exactly 15 s (last bound)', 15_000_000_000, 15],
    ['just above the last bound → overflow bucket', 15_000_000_001, 16],
    ['one hour', 3_600_000_000_000, 16],
  ])('%s', (_label, durationNs, expected) => {
    expect(histogramBucketIndex(boundsNs, durationNs)).toBe(expected);
  });

  it('agrees with a linear scan for every value around every bound', () => {
    for (const b of boundsNs) {
      for (const d of [b - 1, b, b + 1]) {
        let linear = 0;
        while (linear < boundsNs.length && d > (boundsNs[linear] as number)) linear++;
        expect(histogramBucketIndex(boundsNs, d)).toBe(linear);
      }
    }
  });

  it('rounds fractional-ms bounds to whole ns so decimal bounds are exact', () => {
    const ns = histogramBoundsToNanos([0.1, 0.7, 1.1]) as Float64Array;
    expect(Array.from(ns)).toEqual([100_000, 700_000, 1_100_000]);
    expect(histogramBucketIndex(ns, 700_000)).toBe(1);
    expect(histogramBucketIndex(ns, 1_100_000)).toBe(2);
  });

  it.each([
    [[], 'at least one bound'],
    [[1, 1], 'strictly increasing'],
    [[2, 1], 'strictly increasing'],
    [[-1], 'non-negative'],
    [[Number.NaN], 'non-negative'],
    [[1, 1.0000001], 'strictly increasing'],
  ])('rejects bounds %j', (bounds, reason) => {
    expect(histogramBoundsToNanos(bounds)).toEqual(expect.stringContaining(reason));
  });
});

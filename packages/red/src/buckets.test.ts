import { floorDiv, timeBucketIndex, timeBucketStartNs } from './buckets';

describe('time buckets', () => {
  it.each([
    [7n, 2n, 3n],
    [-7n, 2n, -4n],
    [-8n, 2n, -4n],
    [0n, 5n, 0n],
    [-1n, 5n, -1n],
  ])('floorDiv(%s, %s) = %s', (a, b, q) => {
    expect(floorDiv(a, b)).toBe(q);
  });

  const minute = 60_000_000_000n;
  const t = 1_767_225_600_000_000_000n; // 2026-01-01T00:00:00Z

  it.each([
    ['bucket start is inclusive', t, 0],
    ['last ns of the bucket', t + minute - 1n, 0],
    ['bucket end belongs to the next bucket', t + minute, 1],
  ])('%s', (_label, time, offsetFromT) => {
    const index = timeBucketIndex(time, minute);
    expect(index).toBe(Number(t / minute) + offsetFromT);
    expect(timeBucketStartNs(index, minute)).toBe(t + BigInt(offsetFromT) * minute);
  });
});

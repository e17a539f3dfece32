/**
 * Event-time buckets. Bucket `i` of width `w` covers span start times in `[i·w, (i+1)·w)` (ns since
 * the Unix epoch). Indexes are JS numbers: with widths of one second or more they stay far below 2^53.
 */

/** Floor division of bigints (rounds toward −∞; the `/` operator truncates toward zero). */
export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Index of the bucket that holds `timeNs`. */
export function timeBucketIndex(timeNs: bigint, widthNs: bigint): number {
  return Number(floorDiv(timeNs, widthNs));
}

/** Start (inclusive) of bucket `index`, ns since the Unix epoch. */
export function timeBucketStartNs(index: number, widthNs: bigint): bigint {
  return BigInt(index) * widthNs;
}

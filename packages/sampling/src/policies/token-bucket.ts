/**
 * A token bucket driven by a caller-supplied clock in seconds (data time, never the wall
 * clock). Starts full. The clock only moves forward: an earlier time than already seen counts
 * as no time passing. take(n) consumes n tokens when available and reports whether it did; a
 * request larger than the bucket always fails (as golang.org/x/time/rate's AllowN).
 */
export class TokenBucket {
  private tokens: number;
  private lastSeconds: number | undefined;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
  ) {
    this.tokens = capacity;
  }

  take(n: number, nowSeconds: number): boolean {
    if (this.lastSeconds === undefined) {
      this.lastSeconds = nowSeconds;
    } else if (nowSeconds > this.lastSeconds) {
      this.tokens = Math.min(this.capacity, this.tokens + (nowSeconds - this.lastSeconds) * this.ratePerSecond);
      this.lastSeconds = nowSeconds;
    }
    if (n > this.tokens) return false;
    this.tokens -= n;
    return true;
  }
}

/** ns since epoch → seconds as a double (µs resolution is kept). */
export function nsToSeconds(ns: bigint): number {
  return Number(ns / 1000n) / 1e6;
}

/**
 * Explicit-bucket latency histogram, the same shape as OpenTelemetry explicit-bucket histograms and
 * Prometheus `le` buckets: with bounds b[0] < … < b[n-1], bucket i counts durations d with
 * b[i-1] < d ≤ b[i] (a duration exactly on a bound belongs to the bucket that bound closes), and the
 * last bucket (index n) counts d > b[n-1]. Counts are exact.
 */

/**
 * Default bounds in milliseconds: the defaults of the OpenTelemetry Collector spanmetrics connector,
 * so dashboards built for it read our histograms the same way.
 */
export const DEFAULT_HISTOGRAM_BOUNDS_MS: readonly number[] = Object.freeze([
  2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000,
]);

/**
 * Bounds converted to whole nanoseconds (rounded to the nearest ns), the unit durations are measured
 * in, so that comparisons are exact integer comparisons. Returns the reason as a string when the
 * bounds are unusable (empty, not finite, negative, or not strictly increasing after rounding).
 */
export function histogramBoundsToNanos(boundsMs: readonly number[]): Float64Array | string {
  if (boundsMs.length === 0) return 'at least one bound is required';
  const out = new Float64Array(boundsMs.length);
  for (let i = 0; i < boundsMs.length; i++) {
    const ms = boundsMs[i] as number;
    if (!Number.isFinite(ms) || ms < 0) return `bound ${ms} is not a finite, non-negative number of ms`;
    const ns = Math.round(ms * 1e6);
    if (i > 0 && ns <= (out[i - 1] as number)) return 'bounds must be strictly increasing (at ns resolution)';
    out[i] = ns;
  }
  return out;
}

/** Index of the histogram bucket for a duration in ns: first i with `durationNs ≤ boundsNs[i]`, else n. */
export function histogramBucketIndex(boundsNs: Float64Array, durationNs: number): number {
  let lo = 0;
  let hi = boundsNs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (durationNs <= (boundsNs[mid] as number)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

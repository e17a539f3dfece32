import { histogramBucketIndex } from './histogram';
import { LogSketch, type SketchMapping } from './sketch';

/** The largest duration kept exactly, in ns (2^53 − 1 ≈ 104 days); longer spans are clamped to it. */
export const MAX_DURATION_NS = Number.MAX_SAFE_INTEGER;

/** What one accumulator holds once emitted: every figure is exact except the sketch's values (±α). */
export interface DurationSnapshot {
  /** Spans counted. */
  calls: number;
  /** Spans with status code Error. */
  errors: number;
  /** Exact sum of durations, ns. */
  durationSumNano: bigint;
  /** Smallest and largest duration, ns. */
  durationMinNano: bigint;
  durationMaxNano: bigint;
  /** Explicit-bucket histogram counts, one more than the bounds (see histogram.ts). */
  bucketCounts: number[];
  /**
   * Quantile sketch: ascending representative durations (ms, each within the sketch's relative
   * accuracy of the durations it stands for) and their exact counts (Σ = calls).
   */
  durationValuesMs: number[];
  durationWeights: number[];
}

/**
 * An exact sum of non-negative safe integers (ns): a safe-integer part that spills into a bigint
 * before it could lose precision, so adding costs no bigint arithmetic in the common case.
 */
export class ExactSum {
  private low = 0;
  private high = 0n;

  /** Adds an integer in [0, MAX_DURATION_NS]. */
  add(value: number): void {
    if (value > MAX_DURATION_NS - this.low) {
      this.high += BigInt(this.low);
      this.low = 0;
    }
    this.low += value;
  }

  /** The exact total. */
  total(): bigint {
    return this.high + BigInt(this.low);
  }
}

/**
 * Calls, errors, exact duration sum, min/max, histogram and quantile sketch of one series.
 */
export class DurationAccumulator {
  calls = 0;
  errors = 0;
  private readonly sum = new ExactSum();
  private minNs = MAX_DURATION_NS;
  private maxNs = 0;
  private readonly histogram: Uint32Array;
  private readonly sketch: LogSketch;

  constructor(
    private readonly boundsNs: Float64Array,
    mapping: SketchMapping,
  ) {
    this.histogram = new Uint32Array(boundsNs.length + 1);
    this.sketch = new LogSketch(mapping);
  }

  /** Counts one span of `durationNs` (an integer in [0, MAX_DURATION_NS]). */
  record(durationNs: number, isError: boolean): void {
    this.calls++;
    if (isError) this.errors++;
    this.sum.add(durationNs);
    if (durationNs < this.minNs) this.minNs = durationNs;
    if (durationNs > this.maxNs) this.maxNs = durationNs;
    const bucket = histogramBucketIndex(this.boundsNs, durationNs);
    this.histogram[bucket] = (this.histogram[bucket] as number) + 1;
    this.sketch.add(durationNs / 1e6);
  }

  /** The accumulated figures (the accumulator is not modified). */
  snapshot(): DurationSnapshot {
    const { valuesMs, weights } = this.sketch.toWeighted();
    return {
      calls: this.calls,
      errors: this.errors,
      durationSumNano: this.sum.total(),
      durationMinNano: BigInt(this.calls === 0 ? 0 : this.minNs),
      durationMaxNano: BigInt(this.maxNs),
      bucketCounts: Array.from(this.histogram),
      durationValuesMs: valuesMs,
      durationWeights: weights,
    };
  }
}

/** Duration of a span in ns as a safe integer: 0 when the end precedes the start, clamped above. */
export function spanDurationNs(startNs: bigint, endNs: bigint): number {
  const d = endNs - startNs;
  if (d <= 0n) return 0;
  return d > 9007199254740991n ? MAX_DURATION_NS : Number(d);
}

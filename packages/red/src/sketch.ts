/**
 * A deterministic, mergeable latency sketch with a relative-error guarantee (the log-bucket idea
 * behind DDSketch). A positive duration x (ms) lands in bin i = ceil(ln x / ln γ) with
 * γ = (1+α)/(1−α), i.e. the bin covering (γ^(i-1), γ^i]; the bin is represented by
 * 2·γ^i/(γ+1), which is within relative error α of every value of the bin. Zero durations have
 * their own bin, represented by 0. Bin counts are exact, so merging two sketches is adding counts
 * bin by bin, and any quantile read from the merged counts is within α of the exact quantile.
 *
 * Memory: bins are kept in one dense array over the used index range, at most `maxBins` long. A
 * value that would stretch the range beyond that folds into the lowest kept bin (low latencies lose
 * precision first; counts stay exact).
 */

/** Maps durations to bin indexes and back, for one relative accuracy. */
export class SketchMapping {
  readonly gamma: number;
  private readonly logGamma: number;
  private readonly representativeFactor: number;

  constructor(
    /** Relative accuracy α, in (0, 1). */
    readonly relativeAccuracy: number,
    /** Longest bin range one sketch keeps (bins between the lowest and highest index used). */
    readonly maxBins: number,
  ) {
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.logGamma = Math.log(this.gamma);
    this.representativeFactor = 2 / (this.gamma + 1);
  }

  /** Bin index of a positive duration in ms. */
  index(valueMs: number): number {
    return Math.ceil(Math.log(valueMs) / this.logGamma);
  }

  /** Representative value (ms) of bin `index`. */
  value(index: number): number {
    return Math.exp(index * this.logGamma) * this.representativeFactor;
  }
}

/** The sketch as weighted values: ascending representative durations (ms) and their exact counts. */
export interface WeightedDurations {
  valuesMs: number[];
  weights: number[];
}

const INITIAL_BINS = 16;

/** One sketch: exact bin counts over a dense, bounded index range. */
export class LogSketch {
  private counts: Uint32Array = new Uint32Array(0);
  /** Bin index of counts[0]. */
  private offset = 0;
  /** Lowest and highest bin index holding a count (lo > hi when none). */
  private lo = 0;
  private hi = -1;
  private zeroCount = 0;

  constructor(private readonly mapping: SketchMapping) {}

  /** Adds one duration (ms, ≥ 0). */
  add(valueMs: number): void {
    if (!(valueMs > 0)) {
      this.zeroCount++;
      return;
    }
    let index = this.mapping.index(valueMs);
    const maxBins = this.mapping.maxBins;
    if (this.lo > this.hi) {
      this.ensureRange(index, index);
      this.lo = index;
      this.hi = index;
    } else if (index > this.hi) {
      if (index - this.lo + 1 > maxBins) this.collapseBelow(index - maxBins + 1);
      this.ensureRange(this.lo, index);
      this.hi = index;
    } else if (index < this.lo) {
      if (this.hi - index + 1 > maxBins) index = this.hi - maxBins + 1;
      this.ensureRange(index, this.hi);
      this.lo = index;
    }
    const slot = index - this.offset;
    this.counts[slot] = (this.counts[slot] as number) + 1;
  }

  /** Number of values added. */
  count(): number {
    let n = this.zeroCount;
    for (let i = this.lo; i <= this.hi; i++) n += this.counts[i - this.offset] as number;
    return n;
  }

  /** Non-empty bins, ascending, as representative values with their counts. */
  toWeighted(): WeightedDurations {
    let bins = this.zeroCount > 0 ? 1 : 0;
    for (let i = this.lo; i <= this.hi; i++) if ((this.counts[i - this.offset] as number) > 0) bins++;
    const valuesMs = new Array<number>(bins);
    const weights = new Array<number>(bins);
    let k = 0;
    if (this.zeroCount > 0) {
      valuesMs[0] = 0;
      weights[0] = this.zeroCount;
      k = 1;
    }
    for (let i = this.lo; i <= this.hi; i++) {
      const c = this.counts[i - this.offset] as number;
      if (c === 0) continue;
      valuesMs[k] = this.mapping.value(i);
      weights[k] = c;
      k++;
    }
    return { valuesMs, weights };
  }

  /** Folds every bin below `newLo` into bin `newLo` (used only while some bin is non-empty). */
  private collapseBelow(newLo: number): void {
    let folded = 0;
    const top = Math.min(this.hi, newLo - 1);
    for (let i = this.lo; i <= top; i++) {
      folded += this.counts[i - this.offset] as number;
      this.counts[i - this.offset] = 0;
    }
    this.lo = newLo;
    if (this.hi < newLo) this.hi = newLo;
    this.ensureRange(newLo, this.hi);
    const slot = newLo - this.offset;
    this.counts[slot] = (this.counts[slot] as number) + folded;
  }

  /** Makes the dense array cover bin indexes [from, to] (to − from < maxBins). */
  private ensureRange(from: number, to: number): void {
    const length = this.counts.length;
    if (from >= this.offset && to < this.offset + length) return;
    const used = this.lo <= this.hi;
    const needFrom = used ? Math.min(from, this.lo) : from;
    const needTo = used ? Math.max(to, this.hi) : to;
    const span = needTo - needFrom + 1;
    const newLength = Math.min(this.mapping.maxBins, Math.max(span, length * 2, INITIAL_BINS));
    // Leave the spare room on the side the range is growing toward.
    const newOffset = used && from < this.lo ? needTo - newLength + 1 : needFrom;
    const next = new Uint32Array(newLength);
    if (used) {
      const copyFrom = Math.max(this.lo, this.offset);
      const copyTo = Math.min(this.hi, this.offset + length - 1);
      for (let i = copyFrom; i <= copyTo; i++) next[i - newOffset] = this.counts[i - this.offset] as number;
    }
    this.counts = next;
    this.offset = newOffset;
  }
}

/**
 * Quantile q ∈ [0, 1] of weighted values sorted ascending: the value holding the element of rank
 * floor(q·(n−1)) (0-based) among the n = Σweights elements. Returns NaN when n = 0.
 */
export function weightedQuantile(valuesMs: ArrayLike<number>, weights: ArrayLike<number>, q: number): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i] as number;
  if (total === 0) return Number.NaN;
  const rank = Math.floor(q * (total - 1));
  let seen = 0;
  for (let i = 0; i < weights.length; i++) {
    seen += weights[i] as number;
    if (seen > rank) return valuesMs[i] as number;
  }
  return valuesMs[valuesMs.length - 1] as number;
}

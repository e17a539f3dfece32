import { dateTimeSeconds } from './time';

/**
 * The delta-row fields shared by RED metrics and service-graph edges: a time bucket, counters,
 * an explicit-bucket histogram and the sampled durations that become a t-digest state in
 * ClickHouse (see schemas/clickhouse/0003_red_metrics.sql).
 */
export interface DeltaMeasures {
  /** Bucket start, Unix seconds (aligned to bucketSeconds by the aggregator). */
  bucketStartUnixSec: number;
  /** Bucket width in seconds. */
  bucketSeconds: number;
  calls: number;
  errors: number;
  /** Sum of span durations in ns. */
  durationSumNano: bigint;
  /** Histogram upper bounds in ms, ascending; counts has one more element (the +Inf bucket). */
  bucketBoundsMs: readonly number[];
  bucketCounts: readonly number[];
  /**
   * Durations (ms) fed to the t-digest: every span's duration, or a compressed set of
   * representative values (e.g. the aggregator's own digest centroids) with `durationWeights`.
   */
  durationValuesMs: readonly number[];
  /** Weight of each value (same length), or empty/omitted for weight 1 each. */
  durationWeights?: readonly number[];
}

/** The JSON fields of DeltaMeasures, in ingest-table column names, starting with a comma. */
export function deltaMeasuresJson(m: DeltaMeasures): string {
  if (m.bucketCounts.length !== m.bucketBoundsMs.length + 1) {
    throw new RangeError(`histogram needs bounds+1 counts: ${m.bucketBoundsMs.length} bounds, ${m.bucketCounts.length} counts`);
  }
  const weights = m.durationWeights ?? [];
  if (weights.length !== 0 && weights.length !== m.durationValuesMs.length) {
    throw new RangeError(`durationWeights has ${weights.length} entries for ${m.durationValuesMs.length} values`);
  }
  return (
    `,"Calls":${m.calls}` +
    `,"Errors":${m.errors}` +
    `,"DurationSumNano":${m.durationSumNano.toString()}` +
    `,"BucketBounds":${numberArray(m.bucketBoundsMs)}` +
    `,"BucketCounts":${numberArray(m.bucketCounts)}` +
    `,"DurationValuesMs":${numberArray(m.durationValuesMs)}` +
    `,"DurationWeights":${numberArray(weights)}`
  );
}

/** Bucket and width fields, starting with `{`. */
export function bucketJson(m: Pick<DeltaMeasures, 'bucketStartUnixSec' | 'bucketSeconds'>): string {
  return `{"Bucket":"${dateTimeSeconds(m.bucketStartUnixSec)}","BucketSeconds":${m.bucketSeconds}`;
}

function numberArray(values: readonly number[]): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) throw new RangeError(`non-finite number ${v} in a metrics row`);
    out += i === 0 ? String(v) : `,${v}`;
  }
  return `${out}]`;
}

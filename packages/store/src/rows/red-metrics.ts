import { bucketJson, deltaMeasuresJson, type DeltaMeasures } from './histogram-rows';

/** Merged RED table (read it through the views or with -Merge functions). */
export const RED_METRICS_TABLE = 'red_metrics';
/** Write RED delta rows here (engine Null; a materialized view builds the states). */
export const RED_METRICS_INGEST_TABLE = 'red_metrics_ingest';

/** Column order of `red_metrics_ingest` as written by `redMetricsRow`. */
export const RED_METRICS_INGEST_COLUMNS = [
  'Bucket',
  'BucketSeconds',
  'ServiceName',
  'SpanName',
  'SpanKind',
  'StatusCode',
  'Dimensions',
  'Calls',
  'Errors',
  'DurationSumNano',
  'BucketBounds',
  'BucketCounts',
  'DurationValuesMs',
  'DurationWeights',
] as const;

/** One RED delta for (bucket, service, span name, kind, status, extra dimensions). */
export interface RedMetricsRowInput extends DeltaMeasures {
  serviceName: string;
  spanName: string;
  /** Exporter string, e.g. `Server` (spanKindName). */
  spanKind: string;
  /** Exporter string, e.g. `Error` (statusCodeName). */
  statusCode: string;
  /** Configured extra attributes, e.g. `{ "http.route": "/users/:id" }`. */
  dimensions: Readonly<Record<string, string>>;
}

/**
 * One `red_metrics_ingest` row as a JSONEachRow line (no trailing newline). Dimension keys are
 * written sorted, because the map is part of the merge key: `{a,b}` and `{b,a}` must be one series.
 */
export function redMetricsRow(row: RedMetricsRowInput): string {
  return (
    bucketJson(row) +
    `,"ServiceName":${JSON.stringify(row.serviceName)}` +
    `,"SpanName":${JSON.stringify(row.spanName)}` +
    `,"SpanKind":${JSON.stringify(row.spanKind)}` +
    `,"StatusCode":${JSON.stringify(row.statusCode)}` +
    `,"Dimensions":${sortedMapJson(row.dimensions)}` +
    deltaMeasuresJson(row) +
    '}'
  );
}

/** A string map as a JSON object with its keys in sorted order. */
export function sortedMapJson(map: Readonly<Record<string, string>>): string {
  const keys = Object.keys(map);
  if (keys.length === 0) return '{}';
  keys.sort();
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    out += `${i === 0 ? '' : ','}${JSON.stringify(key)}:${JSON.stringify(map[key])}`;
  }
  return `${out}}`;
}

/** Named read-side reports, as SQL over Tailstream's tables (used by `query` and by `up`'s summary). */

const ID = /^[A-Za-z_][A-Za-z0-9_]*$/;

function db(database: string): string {
  if (!ID.test(database)) throw new Error(`invalid database name ${database}`);
  return database;
}

/** RED per service over everything loaded (Server/Consumer spans: the requests a service handled). */
export function redByServiceSql(database: string): string {
  return `SELECT ServiceName AS service,
       sum(Calls) AS calls,
       sum(Errors) AS errors,
       round(100 * sum(Errors) / greatest(1, sum(Calls)), 2) AS error_pct,
       round(sum(Calls) / greatest(1, dateDiff('second', min(Bucket), max(Bucket)) + max(BucketSeconds)), 1) AS rate_per_s,
       arrayMap(q -> round(q, 1), quantilesTDigestWeightedMerge(0.5, 0.95, 0.99)(DurationQuantiles)) AS p50_p95_p99_ms
FROM ${db(database)}.red_metrics
WHERE SpanKind IN ('Server', 'Consumer')
GROUP BY ServiceName
ORDER BY ServiceName`;
}

/** RED per service and operation. */
export function redByOperationSql(database: string): string {
  return `SELECT ServiceName AS service, SpanName AS operation, SpanKind AS kind,
       sum(Calls) AS calls, sum(Errors) AS errors,
       round(100 * sum(Errors) / greatest(1, sum(Calls)), 2) AS error_pct,
       arrayMap(q -> round(q, 1), quantilesTDigestWeightedMerge(0.5, 0.95, 0.99)(DurationQuantiles)) AS p50_p95_p99_ms
FROM ${db(database)}.red_metrics
GROUP BY ServiceName, SpanName, SpanKind
ORDER BY ServiceName, SpanName, SpanKind`;
}

/** Kept traces by deciding policy. */
export function keptByPolicySql(database: string): string {
  return `SELECT Policy AS policy, count() AS traces, sum(SpanCount) AS spans, round(sum(AdjustedCount)) AS represented_traces
FROM ${db(database)}.trace_summaries FINAL
GROUP BY Policy
ORDER BY traces DESC`;
}

/** The slowest kept traces. */
export function slowestTracesSql(database: string, limit = 10): string {
  return `SELECT TraceId AS trace_id, RootServiceName AS root_service, RootSpanName AS root_operation,
       round(Duration / 1e6, 1) AS duration_ms, SpanCount AS spans, ErrorCount AS errors, Policy AS policy
FROM ${db(database)}.trace_summaries FINAL
ORDER BY Duration DESC
LIMIT ${Math.max(1, Math.floor(limit))}`;
}

/** The spans of one trace in start order (time window from the lookup table, as the exporter's README reads). */
export function traceByIdSql(database: string, traceId: string): string {
  if (!/^[0-9a-f]{32}$/.test(traceId)) throw new Error(`trace ID must be 32 lower-case hex characters, got ${traceId}`);
  const d = db(database);
  return `WITH (SELECT min(Start) FROM ${d}.otel_traces_trace_id_ts WHERE TraceId = '${traceId}') AS start,
     (SELECT max(End) + 1 FROM ${d}.otel_traces_trace_id_ts WHERE TraceId = '${traceId}') AS end
SELECT Timestamp AS start, ServiceName AS service, SpanName AS operation, SpanKind AS kind,
       round(Duration / 1e6, 3) AS duration_ms, StatusCode AS status, SpanId AS span_id, ParentSpanId AS parent_span_id
FROM ${d}.otel_traces FINAL
WHERE TraceId = '${traceId}' AND Timestamp >= start AND Timestamp <= end
ORDER BY Timestamp, SpanId`;
}

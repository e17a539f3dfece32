-- Read-side views for dashboards (Grafana's ClickHouse plugin, SQL). They read the merged states,
-- so any range of buckets gives exact counts and mergeable p50/p95/p99. Filter them with WHERE on
-- their columns (ClickHouse pushes the filter into the view); see docs/clickhouse.md.

-- RED per service, span kind and minute. Filter SpanKind IN ('Server', 'Consumer') for the
-- request-level view of a service. Rates are per second over the minute (or over the bucket when
-- buckets are wider than a minute).
CREATE VIEW IF NOT EXISTS {database}.red_by_service_1m {on_cluster} AS
SELECT
    Minute,
    ServiceName,
    SpanKind,
    Calls,
    Errors,
    Calls / Seconds AS RatePerSecond,
    Errors / Seconds AS ErrorsPerSecond,
    if(Calls = 0, 0, Errors / Calls) AS ErrorRate,
    if(Calls = 0, 0, DurationSumNano / Calls / 1e6) AS AvgDurationMs,
    Quantiles[1] AS P50Ms,
    Quantiles[2] AS P95Ms,
    Quantiles[3] AS P99Ms
FROM
(
    SELECT
        toStartOfMinute(Bucket) AS Minute,
        ServiceName,
        SpanKind,
        sum(Calls) AS Calls,
        sum(Errors) AS Errors,
        sum(DurationSumNano) AS DurationSumNano,
        greatest(60, max(BucketSeconds)) AS Seconds,
        quantilesTDigestWeightedMerge(0.5, 0.95, 0.99)(DurationQuantiles) AS Quantiles
    FROM {database}.red_metrics
    GROUP BY Minute, ServiceName, SpanKind
);

-- RED per service, operation (span name), span kind and minute.
CREATE VIEW IF NOT EXISTS {database}.red_by_operation_1m {on_cluster} AS
SELECT
    Minute,
    ServiceName,
    SpanName,
    SpanKind,
    Calls,
    Errors,
    Calls / Seconds AS RatePerSecond,
    Errors / Seconds AS ErrorsPerSecond,
    if(Calls = 0, 0, Errors / Calls) AS ErrorRate,
    if(Calls = 0, 0, DurationSumNano / Calls / 1e6) AS AvgDurationMs,
    Quantiles[1] AS P50Ms,
    Quantiles[2] AS P95Ms,
    Quantiles[3] AS P99Ms
FROM
(
    SELECT
        toStartOfMinute(Bucket) AS Minute,
        ServiceName,
        SpanName,
        SpanKind,
        sum(Calls) AS Calls,
        sum(Errors) AS Errors,
        sum(DurationSumNano) AS DurationSumNano,
        greatest(60, max(BucketSeconds)) AS Seconds,
        quantilesTDigestWeightedMerge(0.5, 0.95, 0.99)(DurationQuantiles) AS Quantiles
    FROM {database}.red_metrics
    GROUP BY Minute, ServiceName, SpanName, SpanKind
);

-- Service graph per edge and minute.
CREATE VIEW IF NOT EXISTS {database}.service_graph_1m {on_cluster} AS
SELECT
    Minute,
    ClientService,
    ServerService,
    ConnectionType,
    Calls,
    Errors,
    Calls / Seconds AS RatePerSecond,
    if(Calls = 0, 0, Errors / Calls) AS ErrorRate,
    if(Calls = 0, 0, DurationSumNano / Calls / 1e6) AS AvgDurationMs,
    Quantiles[1] AS P50Ms,
    Quantiles[2] AS P95Ms,
    Quantiles[3] AS P99Ms
FROM
(
    SELECT
        toStartOfMinute(Bucket) AS Minute,
        ClientService,
        ServerService,
        ConnectionType,
        sum(Calls) AS Calls,
        sum(Errors) AS Errors,
        sum(DurationSumNano) AS DurationSumNano,
        greatest(60, max(BucketSeconds)) AS Seconds,
        quantilesTDigestWeightedMerge(0.5, 0.95, 0.99)(DurationQuantiles) AS Quantiles
    FROM {database}.service_graph_edges
    GROUP BY Minute, ClientService, ServerService, ConnectionType
);

-- Kept traces, slowest first. Always filter on Start and add a LIMIT, e.g.
-- SELECT * FROM slowest_traces WHERE Start >= now() - INTERVAL 1 HOUR LIMIT 20.
CREATE VIEW IF NOT EXISTS {database}.slowest_traces {on_cluster} AS
SELECT
    TraceId,
    Start,
    Duration,
    Duration / 1e6 AS DurationMs,
    SpanCount,
    ErrorCount,
    RootServiceName,
    RootSpanName,
    Services,
    Policy,
    PolicyVersion,
    AdjustedCount
FROM {database}.trace_summaries FINAL
ORDER BY Duration DESC;

-- Spans of kept traces, column-for-column compatible with the OpenTelemetry Collector ClickHouse
-- exporter (traces_table.sql, traces_id_ts_lookup_table.sql, traces_id_ts_lookup_mv.sql), so
-- Grafana's ClickHouse plugin (OTel mode) and exporter dashboards read it unchanged.
-- Replays are harmless, twice over: the loader inserts with insert_deduplication_token (honoured
-- because the deduplication window is set, {dedup_window}), which drops a replayed insert of the
-- same offsets; and the engine is ReplacingMergeTree with TraceId and SpanId at the end of the
-- exporter's sort key, so a span the tail-sampler re-emitted after a crash (new offsets, same
-- span) collapses at merge time (exact reads: FINAL). The extra sort columns change no column.
CREATE TABLE IF NOT EXISTS {database}.otel_traces {on_cluster} (
    Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
    TraceId String CODEC(ZSTD(1)),
    SpanId String CODEC(ZSTD(1)),
    ParentSpanId String CODEC(ZSTD(1)),
    TraceState String CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    ScopeName String CODEC(ZSTD(1)),
    ScopeVersion String CODEC(ZSTD(1)),
    SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    StatusMessage String CODEC(ZSTD(1)),
    Events Nested (
        Timestamp DateTime64(9),
        Name LowCardinality(String),
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    Links Nested (
        TraceId String,
        SpanId String,
        TraceState String,
        Attributes Map(LowCardinality(String), String)
    ) CODEC(ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.001) GRANULARITY 1,
    INDEX idx_res_attr_key mapKeys(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_key mapKeys(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_span_attr_value mapValues(SpanAttributes) TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1
) ENGINE = {engine_prefix}ReplacingMergeTree()
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), TraceId, SpanId)
{ttl_clause(toDateTime(Timestamp))}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {dedup_window};

-- Trace ID -> time window lookup, filled per insert block by the materialized view below.
-- Several rows per TraceId are normal: readers take min(Start) and max(End).
CREATE TABLE IF NOT EXISTS {database}.otel_traces_trace_id_ts {on_cluster} (
    TraceId String CODEC(ZSTD(1)),
    Start DateTime CODEC(Delta, ZSTD(1)),
    End DateTime CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id TraceId TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = {engine_prefix}MergeTree()
PARTITION BY toDate(Start)
ORDER BY (TraceId, Start)
{ttl_clause(toDateTime(Start))}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.otel_traces_trace_id_ts_mv {on_cluster}
TO {database}.otel_traces_trace_id_ts
AS SELECT
    TraceId,
    min(Timestamp) AS Start,
    max(Timestamp) AS End
FROM {database}.otel_traces
WHERE TraceId != ''
GROUP BY TraceId;

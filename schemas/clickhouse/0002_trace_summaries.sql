-- One row per kept trace, written by the aggregator from the trace-summaries topic.
-- ReplacingMergeTree keyed by TraceId: a replayed row that escaped insert deduplication
-- collapses on merge (read with FINAL, as the slowest_traces view does). Rows of one trace must
-- land in the same partition to collapse, which holds because Start is the same on replay.
CREATE TABLE IF NOT EXISTS {database}.trace_summaries {on_cluster} (
    TraceId String CODEC(ZSTD(1)),
    Start DateTime64(9) CODEC(Delta, ZSTD(1)),
    Duration UInt64 CODEC(ZSTD(1)),
    SpanCount UInt32 CODEC(ZSTD(1)),
    ErrorCount UInt32 CODEC(ZSTD(1)),
    RootServiceName LowCardinality(String) CODEC(ZSTD(1)),
    RootSpanName LowCardinality(String) CODEC(ZSTD(1)),
    Services Array(LowCardinality(String)) CODEC(ZSTD(1)),
    Policy LowCardinality(String) CODEC(ZSTD(1)),
    PolicyVersion LowCardinality(String) CODEC(ZSTD(1)),
    AdjustedCount Float64 CODEC(ZSTD(1)),
    INDEX idx_start Start TYPE minmax GRANULARITY 1,
    INDEX idx_duration Duration TYPE minmax GRANULARITY 1,
    INDEX idx_root_service RootServiceName TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX idx_services Services TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = {engine_prefix}ReplacingMergeTree()
PARTITION BY toDate(Start)
ORDER BY (TraceId)
{ttl_clause(toDateTime(Start))}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {dedup_window};

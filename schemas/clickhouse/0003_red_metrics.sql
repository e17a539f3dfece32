-- Exact RED metrics from ALL spans (not only kept ones), one row per delta that the aggregator
-- flushes for (bucket, service, span name, kind, status, extra dimensions).
-- AggregatingMergeTree merges rows with the same key: counters are SimpleAggregateFunction(sum),
-- the explicit-bucket histogram and the t-digest are mergeable states, so a late delta row for a
-- bucket that was already written merges in and totals stay exact.
--
-- Writers do not build aggregate states: they insert plain JSONEachRow rows into
-- red_metrics_ingest (engine Null, stores nothing) and red_metrics_ingest_mv turns each row into
-- states (sumForEachState over the bucket counts, quantileTDigestWeightedState over the sampled
-- durations with their weights). Insert deduplication tokens flow to red_metrics through the view
-- (deduplicate_blocks_in_dependent_materialized_views = 1, set by the store on every insert).
CREATE TABLE IF NOT EXISTS {database}.red_metrics {on_cluster} (
    Bucket DateTime CODEC(Delta, ZSTD(1)),
    BucketSeconds UInt32 CODEC(ZSTD(1)),
    ServiceName LowCardinality(String) CODEC(ZSTD(1)),
    SpanName LowCardinality(String) CODEC(ZSTD(1)),
    SpanKind LowCardinality(String) CODEC(ZSTD(1)),
    StatusCode LowCardinality(String) CODEC(ZSTD(1)),
    Dimensions Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    Calls SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    Errors SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    DurationSumNano SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    BucketBounds Array(Float64) CODEC(ZSTD(1)),
    BucketCounts AggregateFunction(sumForEach, Array(UInt64)) CODEC(ZSTD(1)),
    DurationQuantiles AggregateFunction(quantileTDigestWeighted, Float64, UInt64) CODEC(ZSTD(1))
) ENGINE = {engine_prefix}AggregatingMergeTree()
PARTITION BY toDate(Bucket)
ORDER BY (ServiceName, SpanName, Bucket, SpanKind, StatusCode, BucketSeconds, Dimensions, BucketBounds)
{ttl_clause(Bucket)}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {dedup_window};

CREATE TABLE IF NOT EXISTS {database}.red_metrics_ingest {on_cluster} (
    Bucket DateTime,
    BucketSeconds UInt32,
    ServiceName String,
    SpanName String,
    SpanKind String,
    StatusCode String,
    Dimensions Map(String, String),
    Calls UInt64,
    Errors UInt64,
    DurationSumNano UInt64,
    BucketBounds Array(Float64),
    BucketCounts Array(UInt64),
    DurationValuesMs Array(Float64),
    DurationWeights Array(UInt64)
) ENGINE = Null;

-- Empty DurationWeights means weight 1 for every value; otherwise both arrays have equal length.
CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.red_metrics_ingest_mv {on_cluster}
TO {database}.red_metrics
AS SELECT
    Bucket,
    BucketSeconds,
    ServiceName,
    SpanName,
    SpanKind,
    StatusCode,
    Dimensions,
    Calls,
    Errors,
    DurationSumNano,
    BucketBounds,
    arrayReduce('sumForEachState', [BucketCounts]) AS BucketCounts,
    arrayReduce(
        'quantileTDigestWeightedState',
        DurationValuesMs,
        if(empty(DurationWeights), arrayMap(v -> toUInt64(1), DurationValuesMs), DurationWeights)
    ) AS DurationQuantiles
FROM {database}.red_metrics_ingest;

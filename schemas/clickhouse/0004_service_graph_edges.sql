-- Service graph: calls between services (client/producer span -> server/consumer span pairs),
-- per time bucket, with the same delta-row design as red_metrics (see 0003).
-- ConnectionType: '' for a direct call, 'messaging_system' for producer/consumer pairs,
-- 'database' for calls to a database peer.
CREATE TABLE IF NOT EXISTS {database}.service_graph_edges {on_cluster} (
    Bucket DateTime CODEC(Delta, ZSTD(1)),
    BucketSeconds UInt32 CODEC(ZSTD(1)),
    ClientService LowCardinality(String) CODEC(ZSTD(1)),
    ServerService LowCardinality(String) CODEC(ZSTD(1)),
    ConnectionType LowCardinality(String) CODEC(ZSTD(1)),
    Calls SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    Errors SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    DurationSumNano SimpleAggregateFunction(sum, UInt64) CODEC(ZSTD(1)),
    BucketBounds Array(Float64) CODEC(ZSTD(1)),
    BucketCounts AggregateFunction(sumForEach, Array(UInt64)) CODEC(ZSTD(1)),
    DurationQuantiles AggregateFunction(quantileTDigestWeighted, Float64, UInt64) CODEC(ZSTD(1))
) ENGINE = {engine_prefix}AggregatingMergeTree()
PARTITION BY toDate(Bucket)
ORDER BY (ClientService, ServerService, Bucket, ConnectionType, BucketSeconds, BucketBounds)
{ttl_clause(Bucket)}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, {dedup_window};

CREATE TABLE IF NOT EXISTS {database}.service_graph_edges_ingest {on_cluster} (
    Bucket DateTime,
    BucketSeconds UInt32,
    ClientService String,
    ServerService String,
    ConnectionType String,
    Calls UInt64,
    Errors UInt64,
    DurationSumNano UInt64,
    BucketBounds Array(Float64),
    BucketCounts Array(UInt64),
    DurationValuesMs Array(Float64),
    DurationWeights Array(UInt64)
) ENGINE = Null;

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.service_graph_edges_ingest_mv {on_cluster}
TO {database}.service_graph_edges
AS SELECT
    Bucket,
    BucketSeconds,
    ClientService,
    ServerService,
    ConnectionType,
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
FROM {database}.service_graph_edges_ingest;

import type { DurationSnapshot } from './duration-stats';

/**
 * The fields every delta row shares. Names match the store's `DeltaMeasures` (@tailstream/store),
 * so a row can be handed to its row builders as is.
 */
export interface BucketedDelta extends DurationSnapshot {
  /** Start of the event-time bucket (by span start time), ns since the Unix epoch. */
  bucketStartUnixNano: bigint;
  /** The same instant in whole seconds. */
  bucketStartUnixSec: number;
  /** Bucket width in seconds. */
  bucketSeconds: number;
  /** Histogram upper bounds (ms) that bucketCounts refer to (shared, frozen). */
  bucketBoundsMs: readonly number[];
}

/**
 * One RED row: the figures of one series in one time bucket, as a DELTA. Several rows may exist for
 * the same (bucket, dimensions): rows from different partitions, epochs or late arrivals. The
 * ClickHouse table sums them (AggregatingMergeTree / SummingMergeTree), so totals stay exact.
 */
export interface RedRow extends BucketedDelta {
  serviceName: string;
  spanName: string;
  /** Exporter-compatible span kind, e.g. `Server`. */
  spanKind: string;
  /** Exporter-compatible status code: `Unset`, `Ok` or `Error`. */
  statusCode: string;
  /** Configured extra dimensions present on the spans (absent keys are omitted). Frozen, shared. */
  dimensions: Readonly<Record<string, string>>;
  /** True when the spans arrived after the watermark had closed their bucket (a further delta row). */
  late: boolean;
  /** True for the overflow series of a service that hit its cardinality limit. */
  overflow: boolean;
}

/**
 * How two halves of an edge are connected, with the OTel servicegraph connector's values:
 * `''` for a direct call (CLIENT → SERVER), `messaging_system` for PRODUCER → CONSUMER.
 */
export type ConnectionType = '' | 'messaging_system';

/**
 * One service-graph edge row (delta): calls from `clientService` to `serverService` whose client
 * half started in the bucket. Latency figures (sum, min/max, histogram, sketch) are those of the
 * SERVER half (what the callee measured); `clientDurationSumNano` adds the caller's view so that
 * the mean network/queueing overhead is `(clientSum − serverSum) / calls`.
 */
export interface EdgeRow extends BucketedDelta {
  clientService: string;
  serverService: string;
  /** `messaging_system` when either half is a PRODUCER or CONSUMER span, else `''`. */
  connectionType: ConnectionType;
  /** Exact sum of the client halves' durations, ns. */
  clientDurationSumNano: bigint;
}

/** Why a flush was cut. */
export type FlushReason = 'watermark' | 'epoch-messages' | 'max-open-rows' | 'flush-all';

/**
 * The output of one flush of one partition. Flushes of a partition form a contiguous sequence of
 * offset ranges; given the same messages from the same commit point they are cut at the same
 * offsets with the same content, so `dedupToken` identifies the insert on replay.
 */
export interface RedFlush {
  partition: number;
  /** First and last offset (inclusive) of the messages since the previous flush. */
  fromOffset: bigint;
  toOffset: bigint;
  reason: FlushReason;
  /** True when the flush drained all RED state and a new epoch starts at toOffset + 1. */
  endsEpoch: boolean;
  rows: RedRow[];
  edges: EdgeRow[];
  /** `${prefix}:${partition}:${fromOffset}-${toOffset}`: unique per partition and range. */
  dedupToken: string;
  /**
   * Offset that may be committed once THIS flush and every earlier flush of the partition are
   * acknowledged: toOffset + 1 at an epoch end when no service-graph half is pending, else the
   * start of the oldest epoch still needed (never more than toOffset + 1, never decreasing).
   */
  commitOffset: bigint;
}

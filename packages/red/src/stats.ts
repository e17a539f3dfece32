/** Cumulative counters of a RedAggregator, over all partitions it has handled. */
export interface RedStats {
  /** Messages added (with a batch) and skipped (undecodable, see RedAggregator.skip). */
  messages: number;
  skippedMessages: number;
  /** Spans counted into RED rows. */
  spans: number;
  /** Spans whose bucket the watermark had already closed (they went into late delta rows). */
  lateSpans: number;
  /** Spans folded into an overflow series by the per-service cardinality limit. */
  overflowSpans: number;
  /** Flushes cut, and what they carried. */
  flushes: number;
  rowsEmitted: number;
  lateRowsEmitted: number;
  edgesEmitted: number;
  /** Client/server (or producer/consumer) pairs formed, and those within one service (no edge). */
  pairs: number;
  selfPairs: number;
  /** Unpaired halves: expired by event time, evicted by the pending bound, dropped by flushAll/release. */
  expiredHalves: number;
  evictedHalves: number;
  droppedHalves: number;
  /** Halves ignored because an unpaired half with the same side and key was already waiting. */
  duplicateHalves: number;
}

/** A zeroed counter set. */
export function emptyRedStats(): RedStats {
  return {
    messages: 0,
    skippedMessages: 0,
    spans: 0,
    lateSpans: 0,
    overflowSpans: 0,
    flushes: 0,
    rowsEmitted: 0,
    lateRowsEmitted: 0,
    edgesEmitted: 0,
    pairs: 0,
    selfPairs: 0,
    expiredHalves: 0,
    evictedHalves: 0,
    droppedHalves: 0,
    duplicateHalves: 0,
  };
}

/** Point-in-time state of one partition (gauges). */
export interface PartitionState {
  /** First offset of the current epoch. */
  epochStart: bigint | undefined;
  /** Last offset added or skipped. */
  lastOffset: bigint | undefined;
  /** Latest span start seen in this epoch minus the allowed lateness (ns), undefined before any span. */
  watermarkNs: bigint | undefined;
  /** Rows held in memory (open buckets and late rows). */
  openRows: number;
  /** Edge rows held in memory. */
  openEdges: number;
  /** Unpaired service-graph halves waiting. */
  pendingHalves: number;
  /** Flushes cut and not yet taken by flushReady / flushAll. */
  readyFlushes: number;
}

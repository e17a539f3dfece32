import type { ResourceRecord, ScopeRecord, SpanRecord } from '@tailstream/model';

/**
 * Why a trace left the buffer:
 * - `wait`: `decisionWaitMs` passed since its first span arrived;
 * - `root_quiet`: its root span has arrived and no span arrived for `decisionWaitAfterRootMs`;
 * - `span_limit` / `byte_limit`: it reached `maxSpansPerTrace` / `maxBytesPerTrace`;
 * - `memory_pressure`: the shared MemoryBudget was exceeded and it was the oldest trace buffered;
 * - `drain`: decided by `decideAll()` (shutdown with final decisions, tests).
 */
export type DecisionReason = 'wait' | 'root_quiet' | 'span_limit' | 'byte_limit' | 'memory_pressure' | 'drain';

/** Every DecisionReason, in a fixed order (for metrics initialisation). */
export const DECISION_REASONS: readonly DecisionReason[] = ['wait', 'root_quiet', 'span_limit', 'byte_limit', 'memory_pressure', 'drain'];

/**
 * A trace assembled from one or more span batches, ready for a sampling decision.
 *
 * Spans are deduplicated by span ID. `resources` and `scopes` are the distinct records of all
 * batches; each span's `resourceIndex` / `scopeIndex` points into THESE arrays (the buffer
 * rewrote them on arrival), so `{traceId, resources, scopes, spans}` is a valid SpanBatch
 * (see toSpanBatch). Structurally this satisfies `TraceView` of @tailstream/sampling.
 * Resource and scope records (and interned span fields) may be shared with other traces of the
 * same buffer: treat everything here as immutable.
 */
export interface DecidedTrace {
  /** 16 bytes. */
  readonly traceId: Buffer;
  /** Distinct spans, in arrival order. */
  readonly spans: readonly SpanRecord[];
  readonly resources: readonly ResourceRecord[];
  readonly scopes: readonly ScopeRecord[];
  /** Same as spans.length. */
  readonly spanCount: number;
  /**
   * Size estimate in bytes, used for limits and bytes_limiting: per span its attribute, event and
   * link bytes plus a fixed overhead (estimateSpanBytes), plus the attribute bytes of each resource
   * and scope the trace references.
   */
  readonly bytes: number;
  /** Earliest span start (ns since epoch). */
  readonly startTimeUnixNano: bigint;
  /** Latest span end (ns since epoch). */
  readonly endTimeUnixNano: bigint;
  /** Earliest non-zero ingest receive time of its batches; 0n when no batch carried one. */
  readonly receivedAtUnixNano: bigint;
  /** True when a span without a parent (a root) is among the spans. */
  readonly hasRoot: boolean;
  /** Buffer clock (the `nowMs` given to add/poll) when the first span arrived. */
  readonly firstArrivalMs: number;
  /** Buffer clock when the first root span arrived; undefined without a root. */
  readonly rootArrivalMs: number | undefined;
  /** Buffer clock when the latest new (non-duplicate) span arrived. */
  readonly lastArrivalMs: number;
  /** Lowest Kafka offset of any batch that contributed to the trace (including duplicates). */
  readonly minOffset: bigint;
  /** Why the trace was decided. */
  readonly reason: DecisionReason;
  /** Buffer clock at the decision. */
  readonly decidedAtMs: number;
  /** Spans dropped as duplicates (same span ID seen before). */
  readonly duplicateSpans: number;
}

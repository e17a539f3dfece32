import type { SpanBatch } from '@tailstream/model';
import { AssemblingTrace } from './assembling-trace';
import { SpanCompactor } from './compact-span';
import { resolveTraceBufferConfig, type TraceBufferConfig } from './config';
import { DECISION_REASONS, type DecidedTrace, type DecisionReason } from './decided-trace';
import { MemoryBudget, type BudgetMember } from './memory-budget';

/** Options of one TraceBuffer. */
export interface TraceBufferOptions {
  /** Shared by every buffer of the process; a private default budget when omitted. */
  budget?: MemoryBudget;
  config?: Partial<TraceBufferConfig>;
}

/** What drain() dropped and where the partition may be committed. */
export interface DrainResult {
  /** safeCommitOffset() just before dropping (undefined: nothing was held). */
  safeCommitOffset: bigint | undefined;
  /** Highest offset given to add() (undefined: nothing was added). */
  lastAddedOffset: bigint | undefined;
  /** Kafka offset to commit: safeCommitOffset, else lastAddedOffset + 1, else undefined. */
  commitOffset: bigint | undefined;
  droppedTraces: number;
  droppedSpans: number;
}

/** Counters and gauges of one buffer. */
export interface TraceBufferStats {
  /** Undecided traces / spans held, and the bytes the budget counts for them besides pinned shared buffers. */
  traces: number;
  spans: number;
  bytes: number;
  /** Decided traces waiting for the next poll(). */
  ready: number;
  /** Decisions made since creation, by reason. */
  decided: Record<DecisionReason, number>;
  /** Spans accepted (new) and spans dropped as duplicates, since creation. */
  addedSpans: number;
  duplicateSpans: number;
}

/**
 * The undecided traces of ONE Kafka partition. Feed it every span batch of the partition in
 * offset order with add(); call poll() regularly to take the traces whose decision time has
 * come; commit the partition at commitOffset() once everything poll() returned before is
 * durable downstream. The clock is whatever `nowMs` the caller passes (never real timers), and
 * must not go backwards.
 *
 * Late spans (of a trace already decided and returned) are not recognised here: add() would
 * start a new trace with them. Filter them with the decision cache before calling add().
 */
export class TraceBuffer implements BudgetMember {
  readonly config: TraceBufferConfig;
  readonly budget: MemoryBudget;
  /** Undecided traces in first-arrival order. */
  private readonly traces = new Map<string, AssemblingTrace>();
  /** Undecided traces with a root, in order of their latest arrival (for root_quiet). */
  private readonly quiet = new Map<string, AssemblingTrace>();
  /** Undecided traces that read spans in place from shared buffers, in order of pinnedSinceMs. */
  private readonly pinning = new Map<string, AssemblingTrace>();
  /** Decided, not yet returned by poll(). */
  private ready: AssemblingTrace[] = [];
  private heldSpans = 0;
  /** What the budget counts for the undecided traces besides pinned shared buffers (their ownBytes). */
  private heldBytes = 0;
  private lastOffset: bigint | undefined;
  /** False after add() saw an offset below an earlier one: commit offsets then need a full scan. */
  private offsetsInOrder = true;
  private readonly decidedCounts = Object.fromEntries(DECISION_REASONS.map((r) => [r, 0])) as Record<DecisionReason, number>;
  private addedSpans = 0;
  private duplicateSpans = 0;
  private readonly compactor = new SpanCompactor();

  constructor(options: TraceBufferOptions = {}) {
    this.config = resolveTraceBufferConfig(options.config);
    this.budget = options.budget ?? new MemoryBudget();
    this.budget.register(this);
  }

  /**
   * Adds a batch (all spans of ONE trace) read at `offset`. Spans whose ID the trace already
   * holds are dropped. The batch's span objects are taken over: their resourceIndex/scopeIndex
   * are rewritten to the trace's merged resources/scopes, and empty lists, empty parent IDs and
   * names are replaced by shared equal instances. Returns the number of new spans.
   */
  add(batch: SpanBatch, offset: bigint | string | number, nowMs: number): number {
    const at = BigInt(offset);
    if (this.lastOffset === undefined || at > this.lastOffset) this.lastOffset = at;
    else if (at < this.lastOffset) this.offsetsInOrder = false;
    if (batch.spans.length === 0) return 0;

    const key = batch.traceId.toString('latin1');
    let trace = this.traces.get(key);
    let newTraces = 0;
    if (trace === undefined) {
      // a copy: the batch's trace ID may be a view into a large shared buffer
      trace = new AssemblingTrace(Buffer.from(batch.traceId), key, nowMs, at);
      this.traces.set(key, trace);
      newTraces = 1;
    }
    const pinnedBefore = trace.pinned.length;
    const { addedSpans, addedOwnBytes } = trace.merge(batch, at, nowMs, this.config.spanOverheadBytes, this.compactor, this.budget.pins);
    this.heldSpans += addedSpans;
    this.heldBytes += addedOwnBytes;
    this.addedSpans += addedSpans;
    this.duplicateSpans += batch.spans.length - addedSpans;
    this.budget.reserve(addedSpans, addedOwnBytes, newTraces);
    if (pinnedBefore === 0 && trace.pinned.length > 0) {
      if (this.config.detachAfterMs === 0) this.detach(trace);
      else this.pinning.set(key, trace);
    }

    if (addedSpans > 0 && trace.hasRoot && this.config.decisionWaitAfterRootMs > 0) {
      this.quiet.delete(key);
      this.quiet.set(key, trace);
    }
    if (trace.spanCount >= this.config.maxSpansPerTrace) {
      this.decide(trace, 'span_limit', nowMs);
    } else if (trace.bytes >= this.config.maxBytesPerTrace) {
      this.decide(trace, 'byte_limit', nowMs);
    }
    if (this.budget.isOver()) this.budget.relieve(nowMs);
    return addedSpans;
  }

  /**
   * Returns the traces decided since the last poll: those decided on add (limits, memory
   * pressure), then those whose decision_wait expired (oldest first), then those whose root has
   * been quiet for decisionWaitAfterRootMs. The caller owns them from here.
   */
  poll(nowMs: number): DecidedTrace[] {
    if (this.budget.isOver()) this.budget.relieve(nowMs);
    const wait = this.config.decisionWaitMs;
    for (const trace of this.traces.values()) {
      if (trace.firstArrivalMs + wait > nowMs) break;
      this.decide(trace, this.expiredReason(trace), nowMs);
    }
    const afterRoot = this.config.decisionWaitAfterRootMs;
    if (afterRoot > 0) {
      for (const trace of this.quiet.values()) {
        if (trace.lastArrivalMs + afterRoot > nowMs) break;
        this.decide(trace, 'root_quiet', nowMs);
      }
    }
    this.detachDue(nowMs);
    const out = this.ready;
    this.ready = [];
    return out;
  }

  /**
   * The lowest Kafka offset still held by a trace this buffer has not handed out (undecided,
   * or decided and waiting for poll()), i.e. the offset to commit for this partition; undefined
   * when no trace is held, meaning everything up to lastAddedOffset + 1 may be committed (see
   * commitOffset()). Traces already returned by poll() are the caller's: commit past their
   * offsets only once their output is durable.
   */
  safeCommitOffset(): bigint | undefined {
    let min: bigint | undefined;
    for (const trace of this.ready) if (min === undefined || trace.minOffset < min) min = trace.minOffset;
    if (this.offsetsInOrder) {
      const first = this.traces.values().next();
      if (!first.done && (min === undefined || first.value.minOffset < min)) min = first.value.minOffset;
      return min;
    }
    for (const trace of this.traces.values()) if (min === undefined || trace.minOffset < min) min = trace.minOffset;
    return min;
  }

  /** Highest offset given to add(); undefined before the first add (or after drain()). */
  get lastAddedOffset(): bigint | undefined {
    return this.lastOffset;
  }

  /** Kafka offset to commit: safeCommitOffset(), else lastAddedOffset + 1; undefined if nothing was added. */
  commitOffset(): bigint | undefined {
    return this.safeCommitOffset() ?? (this.lastOffset === undefined ? undefined : this.lastOffset + 1n);
  }

  /**
   * For partition revoke: drops every held trace WITHOUT deciding it (half traces must not be
   * emitted; the next owner replays them from the commit offset) and reports where to commit.
   * The buffer is empty and fresh afterwards.
   */
  drain(): DrainResult {
    const safeCommitOffset = this.safeCommitOffset();
    const lastAddedOffset = this.lastOffset;
    const commitOffset = this.commitOffset();
    let droppedSpans = this.heldSpans;
    for (const trace of this.ready) droppedSpans += trace.spanCount;
    const droppedTraces = this.traces.size + this.ready.length;
    this.budget.release(this.heldSpans, this.heldBytes, this.traces.size);
    for (const trace of this.pinning.values()) trace.unpinAll(this.budget.pins);
    for (const trace of this.ready) trace.releaseRead(this.budget.pins);
    this.traces.clear();
    this.quiet.clear();
    this.pinning.clear();
    this.ready = [];
    this.heldSpans = 0;
    this.heldBytes = 0;
    this.lastOffset = undefined;
    this.offsetsInOrder = true;
    this.compactor.clear();
    return { safeCommitOffset, lastAddedOffset, commitOffset, droppedTraces, droppedSpans };
  }

  /**
   * The caller is done with traces that poll() or decideAll() returned (emitted, or given up):
   * the shared buffers their spans read in place may be reused (see SharedBufferLifetime). Their
   * spans must not be read afterwards. Without it, those buffers are only never reused.
   */
  release(traces: readonly DecidedTrace[]): void {
    for (const trace of traces) if (trace instanceof AssemblingTrace) trace.releaseRead(this.budget.pins);
  }

  /** Decides every held trace now (reason `drain` for undecided ones) and returns them with the ready ones. */
  decideAll(nowMs: number): DecidedTrace[] {
    for (const trace of this.traces.values()) this.decide(trace, 'drain', nowMs);
    const out = this.ready;
    this.ready = [];
    return out;
  }

  /** Drops everything (as drain()) and leaves the shared budget. */
  close(): DrainResult {
    const result = this.drain();
    this.budget.unregister(this);
    return result;
  }

  stats(): TraceBufferStats {
    return {
      traces: this.traces.size,
      spans: this.heldSpans,
      bytes: this.heldBytes,
      ready: this.ready.length,
      decided: { ...this.decidedCounts },
      addedSpans: this.addedSpans,
      duplicateSpans: this.duplicateSpans,
    };
  }

  /** @internal BudgetMember: first arrival of the oldest undecided trace. */
  oldestArrivalMs(): number | undefined {
    const first = this.traces.values().next();
    return first.done ? undefined : first.value.firstArrivalMs;
  }

  /** @internal BudgetMember: decides the oldest undecided trace for memory pressure. */
  evictOldest(nowMs: number): void {
    const first = this.traces.values().next();
    if (!first.done) this.decide(first.value, 'memory_pressure', nowMs);
  }

  /**
   * Copies into buffers of their own the spans that traces have read in place for
   * detachAfterMs, oldest first, so an undecided trace does not keep a large shared buffer alive.
   */
  private detachDue(nowMs: number): void {
    const after = this.config.detachAfterMs;
    for (const trace of this.pinning.values()) {
      if (trace.pinnedSinceMs + after > nowMs) break;
      this.detach(trace);
    }
  }

  /**
   * The reason for a trace past its decision_wait: `root_quiet` when its root went quiet earlier
   * than that (a poll late in buffer time, e.g. after a batch spanning seconds of a backlog, finds
   * both due; the earlier one is why the trace was due), else `wait`.
   */
  private expiredReason(trace: AssemblingTrace): DecisionReason {
    const afterRoot = this.config.decisionWaitAfterRootMs;
    const quietAt = trace.lastArrivalMs + afterRoot;
    return afterRoot > 0 && trace.hasRoot && quietAt < trace.firstArrivalMs + this.config.decisionWaitMs ? 'root_quiet' : 'wait';
  }

  private detach(trace: AssemblingTrace): void {
    this.pinning.delete(trace.key);
    const copied = trace.detach(this.budget.pins);
    this.heldBytes += copied;
    this.budget.reserve(0, copied, 0);
  }

  private decide(trace: AssemblingTrace, reason: DecisionReason, nowMs: number): void {
    this.traces.delete(trace.key);
    this.quiet.delete(trace.key);
    this.pinning.delete(trace.key);
    trace.unpinDecided(this.budget.pins);
    trace.decide(reason, nowMs);
    this.heldSpans -= trace.spanCount;
    this.heldBytes -= trace.ownBytes;
    this.budget.release(trace.spanCount, trace.ownBytes, 1);
    this.decidedCounts[reason]++;
    this.ready.push(trace);
  }
}

import { SharedBufferPins, type SharedBufferLifetime } from './shared-buffers';

/** What the budget needs from each buffer it bounds (implemented by TraceBuffer). */
export interface BudgetMember {
  /** First-arrival time of the oldest undecided trace, or undefined when none is held. */
  oldestArrivalMs(): number | undefined;
  /** Decides the oldest undecided trace early (reason `memory_pressure`). */
  evictOldest(nowMs: number): void;
}

/** Process-wide caps on what all trace buffers hold together. */
export interface MemoryBudgetLimits {
  /** Undecided spans across all buffers. */
  maxBufferedSpans: number;
  /**
   * Bytes of undecided spans across all buffers: their size estimates, where a span read in
   * place from a shared buffer counts that whole buffer instead (see SharedBufferPins).
   */
  maxBufferedBytes: number;
}

/** Defaults for one sampler process. */
export const DEFAULT_MEMORY_BUDGET_LIMITS: Readonly<MemoryBudgetLimits> = Object.freeze({
  maxBufferedSpans: 1_000_000,
  maxBufferedBytes: 512 * 1024 * 1024,
});

/**
 * Shared accounting of the undecided spans and bytes of every TraceBuffer of a process. When a
 * total goes above its cap, the globally oldest undecided traces (by first arrival, across all
 * buffers) are decided early with reason `memory_pressure` until both totals are within their
 * caps again. An early-decided trace waits in its own buffer's ready list until that buffer's
 * next poll(), so callers must poll every buffer regularly (they do anyway for timeouts).
 */
export class MemoryBudget {
  readonly maxBufferedSpans: number;
  readonly maxBufferedBytes: number;
  /** Undecided spans held now. */
  spans = 0;
  /** Shared buffers that undecided spans read in place (counted in `bytes`). */
  readonly pins: SharedBufferPins;
  /** Undecided bytes held now, shared buffers excluded. */
  private ownBytes = 0;
  /** Undecided traces held now. */
  traces = 0;
  /** Traces decided early because a cap was exceeded, since creation. */
  pressureDecisions = 0;
  private readonly members = new Set<BudgetMember>();

  /** @param lifetime told when traces start and stop reading shared buffers (see SharedBufferLifetime) */
  constructor(limits: Partial<MemoryBudgetLimits> = {}, lifetime?: SharedBufferLifetime) {
    this.pins = new SharedBufferPins(lifetime);
    this.maxBufferedSpans = limits.maxBufferedSpans ?? DEFAULT_MEMORY_BUDGET_LIMITS.maxBufferedSpans;
    this.maxBufferedBytes = limits.maxBufferedBytes ?? DEFAULT_MEMORY_BUDGET_LIMITS.maxBufferedBytes;
    for (const [name, value] of [
      ['maxBufferedSpans', this.maxBufferedSpans],
      ['maxBufferedBytes', this.maxBufferedBytes],
    ] as const) {
      if (!(value > 0)) throw new RangeError(`MemoryBudget ${name} must be > 0, got ${value}`);
    }
  }

  /** Undecided bytes held now: estimates of spans with bytes of their own, plus every pinned shared buffer. */
  get bytes(): number {
    return this.ownBytes + this.pins.bytes;
  }

  register(member: BudgetMember): void {
    this.members.add(member);
  }

  unregister(member: BudgetMember): void {
    this.members.delete(member);
  }

  /** Counts spans/bytes/traces that became undecided. */
  reserve(spans: number, bytes: number, traces: number): void {
    this.spans += spans;
    this.ownBytes += bytes;
    this.traces += traces;
  }

  /** Counts spans/bytes/traces that were decided or dropped. */
  release(spans: number, bytes: number, traces: number): void {
    this.spans -= spans;
    this.ownBytes -= bytes;
    this.traces -= traces;
  }

  /** True when a total is above its cap. */
  isOver(): boolean {
    return this.spans > this.maxBufferedSpans || this.bytes > this.maxBufferedBytes;
  }

  /** Decides oldest traces early until within the caps; returns how many were decided. */
  relieve(nowMs: number): number {
    let decided = 0;
    while (this.isOver()) {
      let oldest: BudgetMember | undefined;
      let oldestMs = Infinity;
      for (const member of this.members) {
        const ms = member.oldestArrivalMs();
        if (ms !== undefined && ms < oldestMs) {
          oldestMs = ms;
          oldest = member;
        }
      }
      if (oldest === undefined) break;
      oldest.evictOldest(nowMs);
      decided++;
    }
    this.pressureDecisions += decided;
    return decided;
  }
}

import type { SamplingDecision } from '@tailstream/model';

/** What the cache keeps of a decision (enough to route late spans and re-emit provenance). */
export type CachedDecision = Pick<SamplingDecision, 'sampled' | 'policy' | 'policyVersion' | 'adjustedCount' | 'spanCount'>;

/** A decision without its span count: a cache holds few distinct ones (policies × versions × rates). */
type Outcome = Omit<CachedDecision, 'spanCount'>;

/** Distinct outcomes a cache numbers; an entry with any other outcome keeps an object of its own. */
export const MAX_OUTCOMES = 4096;

/** Span counts up to this are packed with the outcome into one exact number (below 2^53). */
const MAX_PACKED_SPAN_COUNT = 2 ** 40;

/**
 * Recent decisions by trace ID, bounded by entry count (oldest inserted evicted first). Filled from
 * the compacted decisions topic (so it survives restarts and rebalances) and by this instance's own
 * decisions. Used to route late spans: forwarded when their trace was kept, dropped otherwise.
 *
 * Entries are compact, since a full cache (a million by default) stays on the heap for good and
 * every major garbage collection marks it: an entry's value is one number, the index of its
 * outcome (sampled, policy, policy version, adjusted count; numbered once each) plus its span count
 * times MAX_OUTCOMES. About 80 bytes per entry instead of about 180 with an object and strings each.
 */
export class DecisionCache {
  private readonly entries = new Map<string, number | CachedDecision>();
  private readonly outcomes: Outcome[] = [];
  private readonly outcomeIndex = new Map<string, number>();
  /** The outcome set last (the next decision usually has the same). */
  private lastOutcome = -1;
  private evictions = 0;

  constructor(private readonly maxEntries: number) {}

  /** Key of a trace ID in the cache (16 raw bytes as a latin1 string: compact, no hex cost). */
  static keyOf(traceId: Buffer): string {
    return traceId.toString('latin1');
  }

  get(traceId: Buffer): CachedDecision | undefined {
    const value = this.entries.get(DecisionCache.keyOf(traceId));
    if (value === undefined || typeof value === 'object') return value;
    const outcome = this.outcomes[value % MAX_OUTCOMES] as Outcome;
    return { ...outcome, spanCount: Math.floor(value / MAX_OUTCOMES) };
  }

  set(traceId: Buffer, decision: CachedDecision): void {
    const key = DecisionCache.keyOf(traceId);
    const outcome = this.outcomeOf(decision);
    const value: number | CachedDecision =
      outcome >= 0 && Number.isInteger(decision.spanCount) && decision.spanCount >= 0 && decision.spanCount <= MAX_PACKED_SPAN_COUNT
        ? outcome + decision.spanCount * MAX_OUTCOMES
        : {
            sampled: decision.sampled,
            policy: decision.policy,
            policyVersion: decision.policyVersion,
            adjustedCount: decision.adjustedCount,
            spanCount: decision.spanCount,
          };
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
      this.evictions++;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get evicted(): number {
    return this.evictions;
  }

  /** Distinct outcomes numbered so far. */
  get outcomeCount(): number {
    return this.outcomes.length;
  }

  /** The number of the decision's outcome (numbering it if new), or -1 when MAX_OUTCOMES are numbered already. */
  private outcomeOf(d: CachedDecision): number {
    const last = this.outcomes[this.lastOutcome];
    if (last !== undefined && sameOutcome(last, d)) return this.lastOutcome;
    const key = `${d.sampled ? 1 : 0}\u0000${d.adjustedCount}\u0000${d.policy}\u0000${d.policyVersion}`;
    let index = this.outcomeIndex.get(key);
    if (index === undefined) {
      if (this.outcomes.length >= MAX_OUTCOMES) return -1;
      index = this.outcomes.length;
      this.outcomes.push({ sampled: d.sampled, policy: d.policy, policyVersion: d.policyVersion, adjustedCount: d.adjustedCount });
      this.outcomeIndex.set(key, index);
    }
    this.lastOutcome = index;
    return index;
  }
}

function sameOutcome(o: Outcome, d: CachedDecision): boolean {
  return o.sampled === d.sampled && o.adjustedCount === d.adjustedCount && o.policy === d.policy && o.policyVersion === d.policyVersion;
}

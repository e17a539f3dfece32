import type { SamplingDecision } from '@tailstream/model';

/** What the cache keeps of a decision (enough to route late spans and re-emit provenance). */
export type CachedDecision = Pick<SamplingDecision, 'sampled' | 'policy' | 'policyVersion' | 'adjustedCount' | 'spanCount'>;

/**
 * Recent decisions by trace ID, bounded by entry count (oldest inserted evicted first). Filled from
 * the compacted decisions topic (so it survives restarts and rebalances) and by this instance's own
 * decisions. Used to route late spans: forwarded when their trace was kept, dropped otherwise.
 */
export class DecisionCache {
  private readonly entries = new Map<string, CachedDecision>();
  private evictions = 0;

  constructor(private readonly maxEntries: number) {}

  /** Key of a trace ID in the cache (16 raw bytes as a latin1 string: compact, no hex cost). */
  static keyOf(traceId: Buffer): string {
    return traceId.toString('latin1');
  }

  get(traceId: Buffer): CachedDecision | undefined {
    return this.entries.get(DecisionCache.keyOf(traceId));
  }

  set(traceId: Buffer, decision: CachedDecision): void {
    const key = DecisionCache.keyOf(traceId);
    this.entries.delete(key);
    this.entries.set(key, {
      sampled: decision.sampled,
      policy: decision.policy,
      policyVersion: decision.policyVersion,
      adjustedCount: decision.adjustedCount,
      spanCount: decision.spanCount,
    });
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
}

import type { SamplingDecision } from '@tailstream/model';

/** What the cache keeps of a decision (enough to route late spans and re-emit provenance). */
export type CachedDecision = Pick<SamplingDecision, 'sampled' | 'policy' | 'policyVersion' | 'adjustedCount' | 'spanCount'>;

/** A decision without its span count: a cache holds few distinct ones (policies × versions × rates). */
type Outcome = Omit<CachedDecision, 'spanCount'>;

/** Distinct outcomes a cache numbers; an entry with any other outcome keeps an object of its own. */
export const MAX_OUTCOMES = 4096;

/** Span counts up to this are packed with the outcome into one exact number (below 2^53). */
const MAX_PACKED_SPAN_COUNT = 2 ** 40;

/** Trace IDs of this length (all valid ones) live in the typed arrays; any other in a small Map. */
const ID_BYTES = 16;

/** Value of an entry whose decision is an object of its own (in `objects`, by slot). */
const OBJECT_VALUE = -1;

/**
 * Recent decisions by trace ID, bounded by entry count (oldest inserted evicted first). Filled from
 * the compacted decisions topic (so it survives restarts and rebalances) and by this instance's own
 * decisions. Used to route late spans: forwarded when their trace was kept, dropped otherwise.
 *
 * A full cache (a million entries by default) is held for good, so it holds nothing the garbage
 * collector has to look at: entries live in typed arrays, in insertion order in a ring of slots
 * (16 ID bytes, one number, one chain link each) indexed by a chained hash table, about 40 bytes per
 * entry outside the JS heap. An entry's number is the index of its outcome (sampled, policy, policy
 * version, adjusted count; numbered once each) plus its span count times MAX_OUTCOMES.
 *
 * Setting a trace again leaves its old slot behind as a hole, so the ring has an eighth more slots
 * than entries; should holes ever fill that slack, the oldest entries go a little before the cache
 * is full.
 */
export class DecisionCache {
  private readonly capacity: number;
  /** Trace ID bytes of each slot. */
  private readonly ids: Uint8Array;
  /** Packed outcome and span count of each slot; OBJECT_VALUE: see `objects`; NaN: a hole. */
  private readonly values: Float64Array;
  /** Next slot + 1 in the slot's hash chain (0: end). */
  private readonly chain: Int32Array;
  /** First slot + 1 of each hash chain (0: empty). */
  private readonly buckets: Int32Array;
  private readonly bucketMask: number;
  /** Ring of slots: the oldest entry (or hole) at `tail`, the next free slot at `head`. */
  private head = 0;
  private tail = 0;
  private used = 0;
  private live = 0;
  /** Decisions that do not pack into a number, by slot. */
  private readonly objects = new Map<number, CachedDecision>();
  /** Entries whose trace ID is not 16 bytes long (never valid; kept so nothing is lost), oldest first. */
  private readonly odd = new Map<string, CachedDecision>();
  private readonly outcomes: Outcome[] = [];
  private readonly outcomeIndex = new Map<string, number>();
  /** The outcome set last (the next decision usually has the same). */
  private lastOutcome = -1;
  private evictions = 0;

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    this.capacity = maxEntries + Math.max(16, Math.ceil(maxEntries / 8));
    this.ids = new Uint8Array(this.capacity * ID_BYTES);
    this.values = new Float64Array(this.capacity);
    this.chain = new Int32Array(this.capacity);
    const buckets = 2 ** Math.ceil(Math.log2(this.capacity));
    this.buckets = new Int32Array(buckets);
    this.bucketMask = buckets - 1;
  }

  get(traceId: Buffer): CachedDecision | undefined {
    if (traceId.length !== ID_BYTES) {
      const found = this.odd.get(traceId.toString('latin1'));
      return found && { ...found };
    }
    const slot = this.find(traceId, this.bucketOf(traceId, 0));
    if (slot < 0) return undefined;
    const value = this.values[slot] as number;
    if (value === OBJECT_VALUE) return { ...(this.objects.get(slot) as CachedDecision) };
    const outcome = this.outcomes[value % MAX_OUTCOMES] as Outcome;
    return { ...outcome, spanCount: Math.floor(value / MAX_OUTCOMES) };
  }

  set(traceId: Buffer, decision: CachedDecision): void {
    if (traceId.length !== ID_BYTES) {
      this.setOdd(traceId.toString('latin1'), decision);
      return;
    }
    const bucket = this.bucketOf(traceId, 0);
    const existing = this.find(traceId, bucket);
    if (existing >= 0) this.remove(existing, bucket);
    if (this.used === this.capacity) this.evictTail();
    const slot = this.head;
    this.head = slot + 1 === this.capacity ? 0 : slot + 1;
    this.used++;
    this.live++;
    this.ids.set(traceId, slot * ID_BYTES);
    const outcome = this.outcomeOf(decision);
    if (outcome >= 0 && Number.isInteger(decision.spanCount) && decision.spanCount >= 0 && decision.spanCount <= MAX_PACKED_SPAN_COUNT) {
      this.values[slot] = outcome + decision.spanCount * MAX_OUTCOMES;
    } else {
      this.values[slot] = OBJECT_VALUE;
      this.objects.set(slot, { sampled: decision.sampled, policy: decision.policy, policyVersion: decision.policyVersion, adjustedCount: decision.adjustedCount, spanCount: decision.spanCount });
    }
    this.chain[slot] = this.buckets[bucket] as number;
    this.buckets[bucket] = slot + 1;
    while (this.live + this.odd.size > this.maxEntries) this.evictOldest();
  }

  get size(): number {
    return this.live + this.odd.size;
  }

  get evicted(): number {
    return this.evictions;
  }

  /** Distinct outcomes numbered so far. */
  get outcomeCount(): number {
    return this.outcomes.length;
  }

  /** Bytes held in typed arrays, whatever the fill (the heap holds only the outcome table besides). */
  get allocatedBytes(): number {
    return this.ids.byteLength + this.values.byteLength + this.chain.byteLength + this.buckets.byteLength;
  }

  /** The hash chain of the 16-byte trace ID at bytes[at]: its bytes 4-7 and 12-15 mixed (random in every common ID scheme). */
  private bucketOf(bytes: Uint8Array, at: number): number {
    const a = (bytes[at + 4] as number) | ((bytes[at + 5] as number) << 8) | ((bytes[at + 6] as number) << 16) | ((bytes[at + 7] as number) << 24);
    const b = (bytes[at + 12] as number) | ((bytes[at + 13] as number) << 8) | ((bytes[at + 14] as number) << 16) | ((bytes[at + 15] as number) << 24);
    return (Math.imul(a ^ Math.imul(b, 0x9e3779b1), 0x85ebca6b) >>> 12) & this.bucketMask;
  }

  /** The live slot holding `id`, or -1. */
  private find(id: Buffer, bucket: number): number {
    const ids = this.ids;
    for (let next = this.buckets[bucket] as number; next !== 0; next = this.chain[next - 1] as number) {
      const at = (next - 1) * ID_BYTES;
      let i = 0;
      while (i < ID_BYTES && ids[at + i] === id[i]) i++;
      if (i === ID_BYTES) return next - 1;
    }
    return -1;
  }

  /** Unlinks a live slot from its chain and leaves a hole in the ring. */
  private remove(slot: number, bucket: number): void {
    let next = this.buckets[bucket] as number;
    if (next === slot + 1) {
      this.buckets[bucket] = this.chain[slot] as number;
    } else {
      while (next !== 0 && this.chain[next - 1] !== slot + 1) next = this.chain[next - 1] as number;
      if (next !== 0) this.chain[next - 1] = this.chain[slot] as number;
    }
    if (this.values[slot] === OBJECT_VALUE) this.objects.delete(slot);
    this.values[slot] = NaN;
    this.live--;
  }

  /** Frees the ring's oldest slot, evicting its entry unless it is a hole. */
  private evictTail(): void {
    const slot = this.tail;
    if (!Number.isNaN(this.values[slot])) {
      this.remove(slot, this.bucketOf(this.ids, slot * ID_BYTES));
      this.evictions++;
    }
    this.tail = slot + 1 === this.capacity ? 0 : slot + 1;
    this.used--;
  }

  /** Evicts the oldest entry: of the odd ones while any is left, else the ring's (skipping holes). */
  private evictOldest(): void {
    const oldestOdd = this.odd.keys().next();
    if (!oldestOdd.done) {
      this.odd.delete(oldestOdd.value);
      this.evictions++;
      return;
    }
    while (this.used > 0 && Number.isNaN(this.values[this.tail])) this.evictTail();
    if (this.used > 0) this.evictTail();
  }

  private setOdd(key: string, d: CachedDecision): void {
    this.odd.delete(key);
    this.odd.set(key, { sampled: d.sampled, policy: d.policy, policyVersion: d.policyVersion, adjustedCount: d.adjustedCount, spanCount: d.spanCount });
    while (this.live + this.odd.size > this.maxEntries) this.evictOldest();
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

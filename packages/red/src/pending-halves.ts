/**
 * Unpaired halves of service-graph edges for one partition. A client half (CLIENT or PRODUCER span)
 * is keyed by trace ID + its span ID; a server half (SERVER or CONSUMER span) by trace ID + its
 * parent span ID; a client and a server half with the same key form a call. Pairing is one to one:
 * the first half to arrive waits, the first matching half of the other side takes it. Halves are
 * bounded in number (the oldest is evicted) and expire by event time: once the partition's clock
 * (latest span start seen) is more than the pairing TTL past a half's end.
 *
 * Each half remembers the start offset of the epoch it arrived in, so that the partition never
 * commits past a message whose half may still pair (see oldestEpochStart).
 */

/** One side of a potential edge. */
export interface SpanHalf {
  /** Trace ID + span ID (client) or trace ID + parent span ID (server), see idKey. */
  key: string;
  /** True for a CLIENT or PRODUCER span, false for a SERVER or CONSUMER span. */
  isClient: boolean;
  service: string;
  /** OTLP span kind number (Client, Server, Producer or Consumer). */
  kind: number;
  /** Event-time bucket index of the span's start (an edge is counted in its client's bucket). */
  bucket: number;
  durationNs: number;
  isError: boolean;
  /** Span end (the start when the end precedes it), ns since the epoch. */
  endNs: bigint;
  /** First offset of the epoch the half's message belongs to. */
  epochStart: bigint;
}

/** Cumulative counts of what happened to halves. */
export interface PendingHalvesCounters {
  /** Pairs formed (including self pairs). */
  pairs: number;
  /** Halves that expired unpaired. */
  expired: number;
  /** Halves evicted unpaired because maxPendingHalves was reached. */
  evicted: number;
  /** Halves dropped unpaired by flushAll / release. */
  dropped: number;
  /** Halves ignored because an unpaired half of the same side and key was already waiting. */
  duplicates: number;
}

/**
 * A compact map key for an ID (trace or span ID bytes): one UTF-16 code unit per two bytes, so a
 * trace key (8 units) plus a span key (4 units) stays below V8's cons-string threshold and is
 * hashed without flattening. IDs of odd length fall back to latin1.
 */
export function idKey(id: Buffer): string {
  if (id.length === 8) {
    return String.fromCharCode(
      ((id[0] as number) << 8) | (id[1] as number),
      ((id[2] as number) << 8) | (id[3] as number),
      ((id[4] as number) << 8) | (id[5] as number),
      ((id[6] as number) << 8) | (id[7] as number),
    );
  }
  if (id.length === 16) return idKey(id.subarray(0, 8)) + idKey(id.subarray(8, 16));
  return id.toString('latin1');
}

/** The unpaired halves of one partition, in arrival order. */
export class PendingHalves {
  private readonly pending = new Map<string, SpanHalf>();
  /** Pending half counts per epoch start, oldest first. */
  private readonly epochs: { start: bigint; count: number }[] = [];
  readonly counters: PendingHalvesCounters = { pairs: 0, expired: 0, evicted: 0, dropped: 0, duplicates: 0 };

  constructor(private readonly maxPending: number) {}

  /** Halves waiting for their other side. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * Offers a half: returns the waiting half of the other side with the same key (now paired and
   * removed), or keeps this one waiting (or ignores it when a half of its side already waits).
   */
  offer(half: SpanHalf): SpanHalf | undefined {
    const waiting = this.pending.get(half.key);
    if (waiting !== undefined) {
      if (waiting.isClient !== half.isClient) {
        this.remove(waiting);
        this.counters.pairs++;
        return waiting;
      }
      this.counters.duplicates++;
      return undefined;
    }
    this.pending.set(half.key, half);
    const last = this.epochs[this.epochs.length - 1];
    if (last !== undefined && last.start === half.epochStart) last.count++;
    else this.epochs.push({ start: half.epochStart, count: 1 });
    if (this.pending.size > this.maxPending) this.evictOldest();
    return undefined;
  }

  /** Removes every half that ended before `endedBeforeNs` (clock − TTL); returns how many. */
  expire(endedBeforeNs: bigint): number {
    let n = 0;
    for (const half of this.pending.values()) {
      if (half.endNs < endedBeforeNs) {
        this.remove(half);
        n++;
      }
    }
    this.counters.expired += n;
    return n;
  }

  /** Removes every half (the partition is flushed completely or released); returns how many. */
  dropAll(): number {
    const n = this.pending.size;
    this.pending.clear();
    this.epochs.length = 0;
    this.counters.dropped += n;
    return n;
  }

  /** Start offset of the oldest epoch with a waiting half, or undefined when none waits. */
  oldestEpochStart(): bigint | undefined {
    return this.epochs[0]?.start;
  }

  private evictOldest(): void {
    const first = this.pending.values().next();
    if (first.done === true) return;
    this.remove(first.value);
    this.counters.evicted++;
  }

  private remove(half: SpanHalf): void {
    this.pending.delete(half.key);
    const entry = this.epochs.find((e) => e.start === half.epochStart);
    if (entry !== undefined) entry.count--;
    while (this.epochs.length > 0 && (this.epochs[0] as { count: number }).count === 0) this.epochs.shift();
  }
}

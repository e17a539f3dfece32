/**
 * Unpaired halves of service-graph edges for one partition. A client half (CLIENT or PRODUCER span)
 * is keyed by trace ID + its span ID; a server half (SERVER or CONSUMER span) by trace ID + its
 * parent span ID; a client and a server half with the same key form a call. Pairing is one to one:
 * the first half to arrive waits, the first matching half of the other side takes it. Halves are
 * bounded in number (the oldest is evicted) and expire by event time.
 *
 * Each half remembers the start offset of the epoch it arrived in, so that the partition never
 * commits past a message whose half may still pair (see oldestEpochStart).
 */

/** One side of a potential edge. */
export interface SpanHalf {
  /** Trace ID + span ID (client) or trace ID + parent span ID (server), as a binary string. */
  key: string;
  service: string;
  /** OTLP span kind number (Client, Server, Producer or Consumer). */
  kind: number;
  startNs: bigint;
  durationNs: number;
  isError: boolean;
  /** Event time after which the half expires (span end + pairing TTL). */
  expireAtNs: bigint;
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

const CLIENT_PREFIX = 'c';
const SERVER_PREFIX = 's';

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

  /** Offers a client half: returns the waiting server half it pairs with, or keeps it waiting. */
  offerClient(half: SpanHalf): SpanHalf | undefined {
    return this.offer(half, CLIENT_PREFIX, SERVER_PREFIX);
  }

  /** Offers a server half: returns the waiting client half it pairs with, or keeps it waiting. */
  offerServer(half: SpanHalf): SpanHalf | undefined {
    return this.offer(half, SERVER_PREFIX, CLIENT_PREFIX);
  }

  /** Removes every half with expireAtNs < clockNs; returns how many. */
  expire(clockNs: bigint): number {
    let n = 0;
    for (const [key, half] of this.pending) {
      if (half.expireAtNs < clockNs) {
        this.remove(key, half);
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

  private offer(half: SpanHalf, ownPrefix: string, otherPrefix: string): SpanHalf | undefined {
    const otherKey = otherPrefix + half.key;
    const partner = this.pending.get(otherKey);
    if (partner !== undefined) {
      this.remove(otherKey, partner);
      this.counters.pairs++;
      return partner;
    }
    const ownKey = ownPrefix + half.key;
    if (this.pending.has(ownKey)) {
      this.counters.duplicates++;
      return undefined;
    }
    this.pending.set(ownKey, half);
    const last = this.epochs[this.epochs.length - 1];
    if (last !== undefined && last.start === half.epochStart) last.count++;
    else this.epochs.push({ start: half.epochStart, count: 1 });
    if (this.pending.size > this.maxPending) this.evictOldest();
    return undefined;
  }

  private evictOldest(): void {
    const first = this.pending.entries().next();
    if (first.done === true) return;
    const [key, half] = first.value;
    this.remove(key, half);
    this.counters.evicted++;
  }

  private remove(key: string, half: SpanHalf): void {
    this.pending.delete(key);
    const entry = this.epochs.find((e) => e.start === half.epochStart);
    if (entry !== undefined) entry.count--;
    while (this.epochs.length > 0 && (this.epochs[0] as { count: number }).count === 0) this.epochs.shift();
  }
}

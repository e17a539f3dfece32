import type { SpanBatch } from '@tailstream/model';
import { resolveRedConfig, type RedConfig, type ResolvedRedConfig } from './config';
import { PartitionAggregator } from './partition-aggregator';
import type { RedFlush } from './rows';
import { emptyRedStats, type PartitionState, type RedStats } from './stats';

/**
 * Exact RED metrics and service-graph edges from every span, per Kafka partition, with flushes cut
 * at offsets that depend only on the input (replay-safe insert deduplication).
 *
 * Typical loop of the aggregator worker, per partition:
 *   resume(p, committedOffset) on assignment;
 *   add(p, offset, batch) for each message (skip(p, offset) for one that could not be decoded);
 *   flushReady(p) → insert each flush with its dedupToken, in order;
 *   once a flush and all before it are acknowledged, commit its commitOffset;
 *   on revoke / shutdown / idleness: flushAll(p), insert, commit safeCommitOffset(p), release(p).
 */
export class RedAggregator {
  /** The configuration with defaults applied. */
  readonly config: ResolvedRedConfig;
  private readonly partitionsById = new Map<number, PartitionAggregator>();
  private readonly retired: RedStats = emptyRedStats();

  constructor(config: RedConfig = {}) {
    this.config = resolveRedConfig(config);
  }

  /**
   * (Re)starts a partition at `offset`, the offset consumption resumes from (the committed offset):
   * discards any state of the partition. Optional: without it a partition starts at its first offset.
   */
  resume(partition: number, offset: bigint): void {
    this.release(partition);
    this.partitionsById.set(partition, new PartitionAggregator(partition, this.config, offset));
  }

  /** Aggregates the span batch of the message at `offset` (offsets of a partition must increase). */
  add(partition: number, offset: bigint, batch: SpanBatch): void {
    this.partitionOf(partition).add(offset, batch);
  }

  /** Counts the message at `offset` without spans (e.g. sent to the dead-letter topic). */
  skip(partition: number, offset: bigint): void {
    this.partitionOf(partition).skip(offset);
  }

  /** The last offset of the partition added or skipped; undefined without state or before the first. */
  lastHandled(partition: number): bigint | undefined {
    return this.partitionsById.get(partition)?.lastHandled();
  }

  /** Flushes cut so far for the partition (oldest first); each is returned once. */
  flushReady(partition: number): RedFlush[] {
    return this.partitionsById.get(partition)?.takeReady() ?? [];
  }

  /**
   * Flushes everything of the partition now (shutdown, revoke, idle partition), ending its epoch and
   * dropping unpaired service-graph halves (counted) so that safeCommitOffset moves past every
   * message added. Not input-driven: commit safeCommitOffset right after the insert is acknowledged.
   */
  flushAll(partition: number): RedFlush[] {
    return this.partitionsById.get(partition)?.flushAll() ?? [];
  }

  /**
   * Offset of the partition safe to commit once every flush returned so far is acknowledged:
   * the start of the current epoch, or of an older one while a service-graph half from it waits.
   */
  safeCommitOffset(partition: number): bigint | undefined {
    return this.partitionsById.get(partition)?.safeCommitOffset();
  }

  /** Forgets a partition (after flushAll, or when it was lost); its counters stay in `stats`. */
  release(partition: number): void {
    const p = this.partitionsById.get(partition);
    if (p === undefined) return;
    addStats(this.retired, p.statsSnapshot());
    this.partitionsById.delete(partition);
  }

  /** Partitions with state, ascending. */
  partitions(): number[] {
    return [...this.partitionsById.keys()].sort((a, b) => a - b);
  }

  /** Gauges of one partition, or undefined when it has no state. */
  partitionState(partition: number): PartitionState | undefined {
    return this.partitionsById.get(partition)?.state();
  }

  /** Cumulative counters over all partitions, released ones included. */
  get stats(): RedStats {
    const total = { ...this.retired };
    for (const p of this.partitionsById.values()) addStats(total, p.statsSnapshot());
    return total;
  }

  private partitionOf(partition: number): PartitionAggregator {
    let p = this.partitionsById.get(partition);
    if (p === undefined) {
      p = new PartitionAggregator(partition, this.config);
      this.partitionsById.set(partition, p);
    }
    return p;
  }
}

function addStats(into: RedStats, from: RedStats): void {
  for (const key of Object.keys(into) as (keyof RedStats)[]) into[key] += from[key];
}

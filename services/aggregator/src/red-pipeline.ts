import { SCHEMA_HEADER, spanBatchCodec } from '@tailstream/avro';
import { headerString, type BatchContext, type DeadLetterWriter, type PartitionBatch, type PartitionHandler } from '@tailstream/kafka';
import type { RedAggregator, RedFlush } from '@tailstream/red';
import {
  redMetricsRow,
  RED_METRICS_INGEST_TABLE,
  serviceGraphEdgeRow,
  SERVICE_GRAPH_EDGES_INGEST_TABLE,
  type ClickHouse,
} from '@tailstream/store';
import type { Logger } from '@tailstream/telemetry';
import { insertWithRetry, type RetryPolicy } from './insert-with-retry';
import type { AggregatorMetrics } from './metrics';
import { KeyedSerializer } from './serial';

/** Commit metadata recording a cut that a replay from the committed offset must repeat. */
export const RED_CUT_MARK = 'red-cut:';

/** The offset of a `red-cut:` mark, if the metadata holds one. */
export function parseRedCut(metadata: string | null | undefined): bigint | undefined {
  if (!metadata?.startsWith(RED_CUT_MARK)) return undefined;
  const digits = metadata.slice(RED_CUT_MARK.length);
  return /^\d+$/.test(digits) ? BigInt(digits) : undefined;
}

/**
 * RED metrics and service-graph edges from EVERY span of the spans topic (before sampling).
 * Flushes are cut by the aggregator core at offsets that depend only on the input, inserted in
 * order with their dedup tokens, and the partition is committed only after ClickHouse
 * acknowledged them; a replay from the commit reproduces the same flushes and tokens, so
 * ClickHouse drops the repeated inserts and totals stay exact.
 *
 * Flushes that are NOT input-driven (idle partition, shutdown) are cut wherever the input happened
 * to end. Before such a flush is inserted, the cut offset is committed as metadata of the current
 * commit point (`red-cut:<offset>`); a replay from there (crash before the commit that follows the
 * insert, or another owner after a rebalance) cuts at the same offset, so it rebuilds the same
 * flush with the same token even when more input has arrived since.
 */
export class RedPipeline implements PartitionHandler {
  private readonly codec = spanBatchCodec();
  private readonly serial = new KeyedSerializer();
  private readonly lastMessageAt = new Map<number, number>();
  /** Per partition: offset last committed (by this process, or found at assignment). */
  private readonly committed = new Map<number, bigint>();
  /** Per partition: a cut recorded by a previous owner that the replay must repeat at that offset. */
  private readonly replayCuts = new Map<number, bigint>();
  /** Rows and edges taken out of the aggregator and not yet acknowledged by ClickHouse. */
  private inFlightRows = 0;
  private idleFlushRunning = false;
  private topic = '';
  private stopping = false;

  constructor(
    private readonly red: RedAggregator,
    private readonly ch: ClickHouse,
    private readonly deps: {
      metrics: AggregatorMetrics;
      logger: Logger;
      retry: RetryPolicy;
      deadLetters: DeadLetterWriter;
      idleFlushMs: number;
      /** The group's committed offset of a partition and its metadata (undefined when none). */
      committedOffset: (topic: string, partition: number) => Promise<{ offset: bigint; metadata: string | null } | undefined>;
      commit: (topic: string, partition: number, offset: bigint, metadata?: string) => Promise<void>;
      /** Makes the next fetch of a partition start at `offset`. */
      seek: (topic: string, partition: number, offset: bigint) => void;
    },
  ) {}

  /** Per partition: after a failed batch, records are ignored until the re-read reaches this offset. */
  private readonly awaiting = new Map<number, bigint>();
  /** Per partition: first offset read since assignment (where to re-read when nothing was committed). */
  private readonly firstOffset = new Map<number, bigint>();

  async onAssigned(topic: string, partition: number): Promise<void> {
    this.topic = topic;
    const committed = await this.deps.committedOffset(topic, partition);
    await this.serial.run(String(partition), async () => {
      this.awaiting.delete(partition);
      this.firstOffset.delete(partition);
      this.restartFrom(partition, committed);
    });
  }

  /** Starts the partition's RED state over at the committed offset (and repeats a recorded cut). */
  private restartFrom(partition: number, committed: { offset: bigint; metadata: string | null } | undefined): void {
    this.replayCuts.delete(partition);
    this.committed.delete(partition);
    if (committed !== undefined && committed.offset >= 0n) {
      this.red.resume(partition, committed.offset);
      this.committed.set(partition, committed.offset);
      const cut = parseRedCut(committed.metadata);
      if (cut !== undefined && cut >= committed.offset) this.replayCuts.set(partition, cut);
    } else this.red.release(partition);
  }

  /**
   * A batch failed part way (e.g. the dead-letter write or an insert was refused): the RED state may
   * hold part of it, so it is rebuilt by reading the partition again from its commit.
   */
  private async rewind(topic: string, partition: number, error: unknown): Promise<void> {
    const committed = await this.deps.committedOffset(topic, partition);
    const restart = committed !== undefined && committed.offset >= 0n ? committed.offset : this.firstOffset.get(partition);
    this.deps.logger.error({ err: error, topic, partition, restart: String(restart ?? '') }, 'RED batch failed; re-reading the partition from its commit');
    if (restart === undefined) throw error;
    this.restartFrom(partition, committed ?? { offset: restart, metadata: null });
    this.awaiting.set(partition, restart);
    this.deps.seek(topic, partition, restart);
  }

  async onRevoked(_topic: string, partition: number): Promise<void> {
    await this.serial.run(String(partition), async () => {
      this.red.release(partition);
      this.lastMessageAt.delete(partition);
      this.replayCuts.delete(partition);
      this.committed.delete(partition);
    });
  }

  handleBatch(batch: PartitionBatch, ctx: BatchContext): Promise<void> {
    return this.serial.run(String(batch.partition), async () => {
      this.topic = batch.topic;
      try {
        await this.aggregate(batch, ctx);
      } catch (error) {
        if (this.stopping || ctx.isStale()) throw error;
        await this.rewind(batch.topic, batch.partition, error);
      }
    });
  }

  private async aggregate(batch: PartitionBatch, ctx: BatchContext): Promise<void> {
    {
      for (const message of batch.messages) {
        const offset = BigInt(message.offset);
        const awaiting = this.awaiting.get(batch.partition);
        if (awaiting !== undefined) {
          if (offset !== awaiting) continue;
          this.awaiting.delete(batch.partition);
        }
        // kafkajs reads a partition it keeps over a rebalance (or after restarting a crashed
        // consumer) again from the last commit: messages this state counted already are skipped.
        const last = this.red.lastHandled(batch.partition);
        if (last !== undefined && offset <= last) continue;
        if (!this.firstOffset.has(batch.partition)) this.firstOffset.set(batch.partition, offset);
        const cut = this.replayCuts.get(batch.partition);
        // The recorded cut offset is gone (e.g. retention): cut before the first message past it.
        if (cut !== undefined && offset > cut) await this.repeatCut(batch.topic, batch.partition, ctx);
        let spans;
        try {
          // RED reads a few header fields of each span: read lazily, nothing else is decoded.
          spans = this.codec.decodeLazy(message.value ?? Buffer.alloc(0), headerString(message.headers, SCHEMA_HEADER));
        } catch (error) {
          this.red.skip(batch.partition, offset);
          this.deps.metrics.deadLettered.inc({ topic: batch.topic, reason: 'undecodable_span_batch' });
          await this.deps.deadLetters.send({
            sourceTopic: batch.topic,
            sourcePartition: batch.partition,
            sourceOffset: message.offset,
            reason: 'undecodable_span_batch',
            error: (error as Error).message,
            key: message.key,
            value: message.value,
          });
        }
        if (spans) {
          this.red.add(batch.partition, offset, spans);
          this.deps.metrics.spansAggregated.inc(spans.spans.length);
        }
        if (cut !== undefined && offset === cut) await this.repeatCut(batch.topic, batch.partition, ctx);
      }
      this.lastMessageAt.set(batch.partition, Date.now());
      await this.write(batch.topic, batch.partition, this.red.flushReady(batch.partition), ctx);
      this.updateGauges();
    }
  }

  /** Periodic: partitions idle for idleFlushMs flush everything they hold and commit past it. */
  async flushIdle(): Promise<void> {
    // One round at a time: while ClickHouse is down a round waits, and timer ticks must not pile up.
    if (this.idleFlushRunning) return;
    this.idleFlushRunning = true;
    try {
      const now = Date.now();
      for (const partition of this.red.partitions()) {
        const last = this.lastMessageAt.get(partition) ?? 0;
        if (now - last < this.deps.idleFlushMs) continue;
        await this.flushPartition(partition);
      }
    } finally {
      this.idleFlushRunning = false;
    }
  }

  /** Shutdown: flush and commit every partition. */
  async flushAll(): Promise<void> {
    for (const partition of this.red.partitions()) await this.flushPartition(partition);
  }

  stop(): void {
    this.stopping = true;
  }

  private flushPartition(partition: number): Promise<void> {
    return this.serial.run(String(partition), async () => {
      // A replay that has not reached its recorded cut must not cut elsewhere: the original cut's
      // insert may have landed, and a different range would count its messages twice. Its rows
      // stay uncommitted; the input (or the next owner) brings it to the cut.
      if (this.replayCuts.has(partition)) return;
      await this.flushEverything(this.topic, partition);
      this.lastMessageAt.set(partition, Date.now());
      this.updateGauges();
    });
  }

  /** A replay reached the offset where a previous owner cut everything: cut there too. */
  private async repeatCut(topic: string, partition: number, ctx: BatchContext): Promise<void> {
    this.replayCuts.delete(partition);
    await this.flushEverything(topic, partition, ctx);
  }

  /**
   * Flushes everything the partition holds (not input-driven): records the cut in the commit
   * metadata first, inserts, then commits past it — also when only unpaired halves were dropped.
   */
  private async flushEverything(topic: string, partition: number, ctx?: BatchContext): Promise<void> {
    await this.write(topic, partition, this.red.flushReady(partition), ctx);
    const from = this.red.safeCommitOffset(partition);
    const lastOffset = this.red.partitionState(partition)?.lastOffset;
    const flushes = this.red.flushAll(partition);
    if (flushes.length > 0 && from !== undefined && lastOffset !== undefined) {
      await this.commit(topic, partition, from, `${RED_CUT_MARK}${lastOffset}`);
    }
    await this.write(topic, partition, flushes, ctx);
    const safe = this.red.safeCommitOffset(partition);
    if (safe !== undefined && safe !== this.committed.get(partition)) await this.commit(topic, partition, safe);
  }

  private async commit(topic: string, partition: number, offset: bigint, metadata?: string): Promise<void> {
    await this.deps.commit(topic, partition, offset, metadata);
    this.committed.set(partition, offset);
  }

  private async write(topic: string, partition: number, flushes: RedFlush[], ctx?: BatchContext): Promise<void> {
    const deps = {
      metrics: this.deps.metrics,
      logger: this.deps.logger,
      retry: this.deps.retry,
      keepAlive: ctx?.heartbeat,
      shouldStop: () => this.stopping || (ctx?.isStale() ?? false),
    };
    for (const flush of flushes) {
      const held = flush.rows.length + flush.edges.length;
      this.inFlightRows += held;
      this.updateGauges();
      try {
        await insertWithRetry(this.ch, RED_METRICS_INGEST_TABLE, flush.rows.map(redMetricsRow), `red:${topic}:${flush.dedupToken}`, deps);
        await insertWithRetry(
          this.ch,
          SERVICE_GRAPH_EDGES_INGEST_TABLE,
          flush.edges.map(serviceGraphEdgeRow),
          `edges:${topic}:${flush.dedupToken}`,
          deps,
        );
      } finally {
        this.inFlightRows -= held;
      }
      await this.commit(topic, partition, flush.commitOffset);
    }
  }

  private updateGauges(): void {
    const stats = this.red.stats;
    this.deps.metrics.lateSpans.set(stats.lateSpans);
    this.deps.metrics.overflowSpans.set(stats.overflowSpans);
    let openRows = 0;
    for (const partition of this.red.partitions()) {
      const state = this.red.partitionState(partition);
      openRows += (state?.openRows ?? 0) + (state?.openEdges ?? 0);
      if (state?.watermarkNs !== undefined && state.watermarkNs > 0n) {
        const watermarkSec = Number(state.watermarkNs / 1_000_000n) / 1000;
        this.deps.metrics.watermarkDelay.set({ partition: String(partition) }, Math.max(0, Date.now() / 1000 - watermarkSec));
      }
    }
    this.deps.metrics.rowsBuffered.set({ table: 'red_metrics' }, openRows + this.inFlightRows);
  }
}

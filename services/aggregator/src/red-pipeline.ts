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

/**
 * RED metrics and service-graph edges from EVERY span of the spans topic (before sampling).
 * Flushes are cut by the aggregator core at offsets that depend only on the input, inserted in
 * order with their dedup tokens, and the partition is committed only after ClickHouse
 * acknowledged them; a replay from the commit reproduces the same flushes and tokens, so
 * ClickHouse drops the repeated inserts and totals stay exact.
 */
export class RedPipeline implements PartitionHandler {
  private readonly codec = spanBatchCodec();
  private readonly serial = new KeyedSerializer();
  private readonly lastMessageAt = new Map<number, number>();
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
      committedOffset: (topic: string, partition: number) => Promise<bigint | undefined>;
      commit: (topic: string, partition: number, offset: bigint) => Promise<void>;
    },
  ) {}

  async onAssigned(topic: string, partition: number): Promise<void> {
    this.topic = topic;
    const committed = await this.deps.committedOffset(topic, partition);
    await this.serial.run(String(partition), async () => {
      if (committed !== undefined && committed >= 0n) this.red.resume(partition, committed);
      else this.red.release(partition);
    });
  }

  async onRevoked(_topic: string, partition: number): Promise<void> {
    await this.serial.run(String(partition), async () => {
      this.red.release(partition);
      this.lastMessageAt.delete(partition);
    });
  }

  handleBatch(batch: PartitionBatch, ctx: BatchContext): Promise<void> {
    return this.serial.run(String(batch.partition), async () => {
      this.topic = batch.topic;
      for (const message of batch.messages) {
        const offset = BigInt(message.offset);
        try {
          const spans = this.codec.decode(message.value ?? Buffer.alloc(0), headerString(message.headers, SCHEMA_HEADER));
          this.red.add(batch.partition, offset, spans);
          this.deps.metrics.spansAggregated.inc(spans.spans.length);
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
      }
      this.lastMessageAt.set(batch.partition, Date.now());
      await this.write(batch.topic, batch.partition, this.red.flushReady(batch.partition), ctx);
      this.updateGauges();
    });
  }

  /** Periodic: partitions idle for idleFlushMs flush everything they hold and commit past it. */
  async flushIdle(): Promise<void> {
    const now = Date.now();
    for (const partition of this.red.partitions()) {
      const last = this.lastMessageAt.get(partition) ?? 0;
      if (now - last < this.deps.idleFlushMs) continue;
      await this.flushPartition(partition);
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
      const flushes = [...this.red.flushReady(partition), ...this.red.flushAll(partition)];
      if (flushes.length === 0) return;
      await this.write(this.topic, partition, flushes);
      const safe = this.red.safeCommitOffset(partition);
      if (safe !== undefined) await this.deps.commit(this.topic, partition, safe);
      this.lastMessageAt.set(partition, Date.now());
      this.updateGauges();
    });
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
      await insertWithRetry(this.ch, RED_METRICS_INGEST_TABLE, flush.rows.map(redMetricsRow), `red:${topic}:${flush.dedupToken}`, deps);
      await insertWithRetry(
        this.ch,
        SERVICE_GRAPH_EDGES_INGEST_TABLE,
        flush.edges.map(serviceGraphEdgeRow),
        `edges:${topic}:${flush.dedupToken}`,
        deps,
      );
      await this.deps.commit(topic, partition, flush.commitOffset);
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
    this.deps.metrics.rowsBuffered.set({ table: 'red_metrics' }, openRows);
  }
}

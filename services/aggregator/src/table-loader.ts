import type { DeadLetterWriter, PartitionBatch, PartitionHandler, BatchContext } from '@tailstream/kafka';
import type { ClickHouse } from '@tailstream/store';
import type { Logger } from '@tailstream/telemetry';
import type { KafkaMessage } from 'kafkajs';
import { insertWithRetry, type RetryPolicy } from './insert-with-retry';
import type { AggregatorMetrics } from './metrics';
import { KeyedSerializer } from './serial';

/** Turns one Kafka message into JSONEachRow lines; throws for a record that cannot be decoded. */
export type RowMapper = (message: KafkaMessage) => string[];

export interface LoaderLimits {
  maxRows: number;
  maxBytes: number;
  maxDelayMs: number;
}

interface Pending {
  lines: string[];
  bytes: number;
  fromOffset: bigint;
  toOffset: bigint;
  /** Source messages of these lines (to isolate a poison record if ClickHouse rejects the batch). */
  sources: { message: KafkaMessage; lines: number }[];
  firstAtMs: number;
}

/**
 * Loads one topic into one ClickHouse table, per partition: rows gather until a message boundary
 * past maxRows/maxBytes (or maxDelayMs), are inserted with a dedup token made of the table, topic,
 * partition and offset range, and the offset after the range is committed only once ClickHouse
 * acknowledged the insert. While an insert is retried, the partition does not fetch more
 * (backpressure: memory stays bounded by the limits).
 */
export class TableLoader implements PartitionHandler {
  private readonly pending = new Map<string, Pending>();
  /** Per partition: work (batches, timed flushes) runs one at a time, so commits never go backwards. */
  private readonly serial = new KeyedSerializer();
  private stopping = false;

  constructor(
    private readonly table: string,
    private readonly ch: ClickHouse,
    private readonly mapRows: RowMapper,
    private readonly limits: LoaderLimits,
    private readonly deps: {
      metrics: AggregatorMetrics;
      logger: Logger;
      retry: RetryPolicy;
      deadLetters: DeadLetterWriter;
      commit: (topic: string, partition: number, offset: bigint) => Promise<void>;
    },
  ) {}

  handleBatch(batch: PartitionBatch, ctx: BatchContext): Promise<void> {
    return this.exclusive(`${batch.topic}:${batch.partition}`, () => this.load(batch, ctx));
  }

  private exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.serial.run(key, work);
  }

  private async load(batch: PartitionBatch, ctx: BatchContext): Promise<void> {
    const key = `${batch.topic}:${batch.partition}`;
    for (const message of batch.messages) {
      let lines: string[];
      try {
        lines = this.mapRows(message);
      } catch (error) {
        await this.deadLetter(batch.topic, batch.partition, message, 'undecodable_record', error);
        lines = [];
      }
      const offset = BigInt(message.offset);
      let p = this.pending.get(key);
      if (!p) {
        p = { lines: [], bytes: 0, fromOffset: offset, toOffset: offset, sources: [], firstAtMs: Date.now() };
        this.pending.set(key, p);
      }
      for (const line of lines) {
        p.lines.push(line);
        p.bytes += line.length + 1;
      }
      p.toOffset = offset;
      p.sources.push({ message, lines: lines.length });
      if (p.lines.length >= this.limits.maxRows || p.bytes >= this.limits.maxBytes) {
        await this.flush(batch.topic, batch.partition, ctx);
      }
    }
    this.updateGauge();
    const p = this.pending.get(key);
    if (p && Date.now() - p.firstAtMs >= this.limits.maxDelayMs) await this.flush(batch.topic, batch.partition, ctx);
  }

  /** Flushes partitions whose oldest row waited maxDelayMs (called periodically). */
  async flushDue(): Promise<void> {
    for (const [key, p] of [...this.pending]) {
      if (Date.now() - p.firstAtMs < this.limits.maxDelayMs) continue;
      const at = key.lastIndexOf(':');
      await this.exclusive(key, () => this.flush(key.slice(0, at), Number(key.slice(at + 1))));
    }
  }

  async onRevoked(topic: string, partition: number): Promise<void> {
    // Not committed rows are replayed by the next owner; inserting them here could race it.
    await this.exclusive(`${topic}:${partition}`, async () => {
      this.pending.delete(`${topic}:${partition}`);
      this.updateGauge();
    });
  }

  /** Shutdown: insert what is buffered and commit it (called before the consumer stops). */
  async flushAll(): Promise<void> {
    for (const key of [...this.pending.keys()]) {
      const at = key.lastIndexOf(':');
      await this.exclusive(key, () => this.flush(key.slice(0, at), Number(key.slice(at + 1))));
    }
  }

  stop(): void {
    this.stopping = true;
  }

  private async flush(topic: string, partition: number, ctx?: BatchContext): Promise<void> {
    const key = `${topic}:${partition}`;
    const p = this.pending.get(key);
    if (!p) return;
    this.pending.delete(key);
    const token = `${this.table}:${topic}:${partition}:${p.fromOffset}-${p.toOffset}`;
    const deps = {
      metrics: this.deps.metrics,
      logger: this.deps.logger,
      retry: this.deps.retry,
      keepAlive: ctx?.heartbeat,
      shouldStop: () => this.stopping || (ctx?.isStale() ?? false),
    };
    try {
      await insertWithRetry(this.ch, this.table, p.lines, token, deps);
    } catch (error) {
      if ((error as { retryable?: boolean }).retryable !== false) throw error;
      await this.isolatePoison(topic, partition, p, token, deps, error);
    }
    await this.deps.commit(topic, partition, p.toOffset + 1n);
    this.updateGauge();
  }

  /** ClickHouse refused the batch itself: insert message by message and dead-letter the refused ones. */
  private async isolatePoison(
    topic: string,
    partition: number,
    p: Pending,
    token: string,
    deps: Parameters<typeof insertWithRetry>[4],
    cause: unknown,
  ): Promise<void> {
    this.deps.logger.error({ err: cause, table: this.table, topic, partition }, 'ClickHouse refused a batch; isolating the bad records');
    let index = 0;
    for (const source of p.sources) {
      const lines = p.lines.slice(index, index + source.lines);
      index += source.lines;
      try {
        await insertWithRetry(this.ch, this.table, lines, `${token}:m${source.message.offset}`, deps);
      } catch (error) {
        if ((error as { retryable?: boolean }).retryable !== false) throw error;
        await this.deadLetter(topic, partition, source.message, 'rejected_by_clickhouse', error);
      }
    }
  }

  private async deadLetter(topic: string, partition: number, message: KafkaMessage, reason: string, error: unknown): Promise<void> {
    this.deps.metrics.deadLettered.inc({ topic, reason });
    this.deps.logger.warn({ topic, partition, offset: message.offset, reason, err: error }, 'dead-lettering a record');
    await this.deps.deadLetters.send({
      sourceTopic: topic,
      sourcePartition: partition,
      sourceOffset: message.offset,
      reason,
      error: (error as Error)?.message ?? String(error),
      key: message.key,
      value: message.value,
    });
  }

  private updateGauge(): void {
    let rows = 0;
    for (const p of this.pending.values()) rows += p.lines.length;
    this.deps.metrics.rowsBuffered.set({ table: this.table }, rows);
  }
}

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

/** Commit metadata recording a time-cut batch that a replay from the committed offset must repeat. */
export const BATCH_CUT_MARK = 'batch-cut:';

/** The last offset of a `batch-cut:` mark, if the metadata holds one. */
export function parseBatchCut(metadata: string | null | undefined): bigint | undefined {
  if (!metadata?.startsWith(BATCH_CUT_MARK)) return undefined;
  const digits = metadata.slice(BATCH_CUT_MARK.length);
  return /^\d+$/.test(digits) ? BigInt(digits) : undefined;
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
 *
 * Batches cut by size depend only on the input. Batches cut by time (maxDelayMs, shutdown) do not,
 * so before one is inserted its last offset is committed as metadata of its first offset
 * (`batch-cut:<offset>`): a replay from there (crash before the commit that follows the insert, or
 * another owner after a rebalance) cuts at the same offset and sends the same dedup token, even when
 * more records have arrived since. Replays then never insert a row twice, FINAL or not.
 */
export class TableLoader implements PartitionHandler {
  private readonly pending = new Map<string, Pending>();
  /** Per partition: work (batches, timed flushes) runs one at a time, so commits never go backwards. */
  private readonly serial = new KeyedSerializer();
  /** Per partition: where a previous owner cut a batch by time, which its replay must repeat. */
  private readonly replayCuts = new Map<string, bigint>();
  /** Rows taken out of `pending` for an insert that ClickHouse has not acknowledged yet. */
  private inFlightRows = 0;
  private flushDueRunning = false;
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
      /** The group's committed offset of a partition and its metadata (undefined when none). */
      committed: (topic: string, partition: number) => Promise<{ offset: bigint; metadata: string | null } | undefined>;
      commit: (topic: string, partition: number, offset: bigint, metadata?: string) => Promise<void>;
    },
  ) {}

  async onAssigned(topic: string, partition: number): Promise<void> {
    const committed = await this.deps.committed(topic, partition);
    const key = `${topic}:${partition}`;
    await this.exclusive(key, async () => {
      this.replayCuts.delete(key);
      const cut = parseBatchCut(committed?.metadata);
      if (committed !== undefined && cut !== undefined && cut >= committed.offset) this.replayCuts.set(key, cut);
    });
  }

  handleBatch(batch: PartitionBatch, ctx: BatchContext): Promise<void> {
    return this.exclusive(`${batch.topic}:${batch.partition}`, () => this.load(batch, ctx));
  }

  private exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.serial.run(key, work);
  }

  private async load(batch: PartitionBatch, ctx: BatchContext): Promise<void> {
    const key = `${batch.topic}:${batch.partition}`;
    for (const message of batch.messages) {
      const offset = BigInt(message.offset);
      // After a rebalance that keeps the partition, or a consumer restart, kafkajs reads again from
      // the last commit: records already pending here are not taken (and inserted) twice.
      const held = this.pending.get(key);
      if (held !== undefined && offset <= held.toOffset) continue;
      const cut = this.replayCuts.get(key);
      if (cut !== undefined && offset > cut) {
        // The recorded cut offset is gone (e.g. retention): cut before the first record past it.
        this.replayCuts.delete(key);
        await this.flush(batch.topic, batch.partition, ctx, 'replayed');
      }
      let lines: string[];
      try {
        lines = this.mapRows(message);
      } catch (error) {
        await this.deadLetter(batch.topic, batch.partition, message, 'undecodable_record', error);
        lines = [];
      }
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
      if (cut !== undefined && offset === cut) {
        this.replayCuts.delete(key);
        await this.flush(batch.topic, batch.partition, ctx, 'replayed');
      } else if (p.lines.length >= this.limits.maxRows || p.bytes >= this.limits.maxBytes) {
        await this.flush(batch.topic, batch.partition, ctx, 'size');
      }
    }
    this.updateGauge();
    const p = this.pending.get(key);
    if (p && !this.replayCuts.has(key) && Date.now() - p.firstAtMs >= this.limits.maxDelayMs) {
      await this.flush(batch.topic, batch.partition, ctx, 'time');
    }
  }

  /** Flushes partitions whose oldest row waited maxDelayMs (called periodically). */
  async flushDue(): Promise<void> {
    // One round at a time: while ClickHouse is down a round waits, and timer ticks must not pile up.
    if (this.flushDueRunning) return;
    this.flushDueRunning = true;
    try {
      for (const [key, p] of [...this.pending]) {
        // A replay waits for its recorded cut offset instead of cutting by time.
        if (Date.now() - p.firstAtMs < this.limits.maxDelayMs || this.replayCuts.has(key)) continue;
        const at = key.lastIndexOf(':');
        await this.exclusive(key, () => this.flush(key.slice(0, at), Number(key.slice(at + 1)), undefined, 'time'));
      }
    } finally {
      this.flushDueRunning = false;
    }
  }

  async onRevoked(topic: string, partition: number): Promise<void> {
    // Not committed rows are replayed by the next owner; inserting them here could race it.
    await this.exclusive(`${topic}:${partition}`, async () => {
      this.pending.delete(`${topic}:${partition}`);
      this.replayCuts.delete(`${topic}:${partition}`);
      this.updateGauge();
    });
  }

  /** Shutdown: insert what is buffered and commit it (called before the consumer stops). */
  async flushAll(): Promise<void> {
    for (const key of [...this.pending.keys()]) {
      // A replay short of its recorded cut stays uncommitted: cutting elsewhere could insert its
      // rows a second time under another token. The next run replays it up to the cut.
      if (this.replayCuts.has(key)) continue;
      const at = key.lastIndexOf(':');
      await this.exclusive(key, () => this.flush(key.slice(0, at), Number(key.slice(at + 1)), undefined, 'time'));
    }
  }

  stop(): void {
    this.stopping = true;
  }

  /**
   * Inserts the partition's pending rows and commits past them. `why`: `size` and `replayed` cuts
   * are reproduced by a replay on their own; a `time` cut is recorded in the commit metadata first.
   */
  private async flush(topic: string, partition: number, ctx: BatchContext | undefined, why: 'size' | 'time' | 'replayed'): Promise<void> {
    const key = `${topic}:${partition}`;
    const p = this.pending.get(key);
    if (!p) return;
    if (why === 'time') await this.deps.commit(topic, partition, p.fromOffset, `${BATCH_CUT_MARK}${p.toOffset}`);
    this.pending.delete(key);
    this.inFlightRows += p.lines.length;
    this.updateGauge();
    try {
      await this.insertBatch(topic, partition, p, ctx);
    } finally {
      this.inFlightRows -= p.lines.length;
    }
    await this.deps.commit(topic, partition, p.toOffset + 1n);
    this.updateGauge();
  }

  private async insertBatch(topic: string, partition: number, p: Pending, ctx: BatchContext | undefined): Promise<void> {
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
    this.deps.metrics.rowsBuffered.set({ table: this.table }, rows + this.inFlightRows);
  }
}

import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BatchMemoryPool } from './batch-memory-pool';

export interface PartitionBatch {
  topic: string;
  partition: number;
  messages: KafkaMessage[];
  /** The partition's high watermark when the batch was fetched (next offset to be written). */
  highWatermark: string;
}

export interface BatchContext {
  heartbeat: () => Promise<void>;
  /** True when a rebalance took this partition away mid-batch: stop and do not commit. */
  isStale: () => boolean;
}

/**
 * What a worker does with its partitions. Offsets are committed only through `commit` — never
 * automatically — so each worker decides what is durable downstream.
 */
export interface PartitionHandler {
  /** First time a partition is seen after (re)assignment, before its first batch is handled. */
  onAssigned?(topic: string, partition: number): Promise<void>;
  /** The partition was taken away by a rebalance or the consumer stopped. */
  onRevoked?(topic: string, partition: number): Promise<void>;
  handleBatch(batch: PartitionBatch, ctx: BatchContext): Promise<void>;
}

export interface PartitionedConsumerOptions {
  groupId: string;
  topics: string[];
  handler: PartitionHandler;
  logger: Logger;
  registry?: Registry;
  metricPrefix?: string;
  /** Where a new group starts reading (default: earliest). */
  fromBeginning?: boolean;
  sessionTimeoutMs?: number;
  /** Partitions handled concurrently (default 1: one batch at a time keeps the event loop fair). */
  partitionsConsumedConcurrently?: number;
  /** Most bytes one fetch returns per partition (default 4 MiB; the broker still returns a first record batch larger than it). */
  maxBytesPerPartition?: number;
  /** Most bytes one fetch returns in all (default 32 MiB). */
  maxBytes?: number;
  /**
   * How often the lag gauge is refreshed from the partitions' high watermarks asked from the
   * broker (default 5000 ms; 0: only when a batch is handled). Without it the gauge reads ~0 until
   * the next fetch, however far behind the consumer is.
   */
  lagRefreshMs?: number;
  /**
   * Retries of a failing broker call or batch before kafkajs gives up and crashes the consumer
   * (default 10, about 30 s with the client's back-off). A crashed consumer restarts by itself when
   * the cause is retriable; see `crashes`.
   */
  retries?: number;
  /**
   * The pool that batches are decompressed into (useSnappyOutputPool): the blocks a batch
   * lies in are held while the handler runs, and handed back when it resolves unless the handler
   * retained them itself. Not handed back when it throws (kafkajs may hand the batch over again).
   */
  memoryPool?: BatchMemoryPool;
}

const DEFAULT_LAG_REFRESH_MS = 5000;

const key = (topic: string, partition: number): string => `${topic}:${partition}`;

/**
 * A kafkajs consumer with manual commits, partition lifecycle callbacks, pause/resume for
 * backpressure, and the consumer metrics every worker reports the same way (lag, batch size,
 * processing time).
 */
export class PartitionedConsumer {
  private readonly consumer: Consumer;
  private readonly assigned = new Set<string>();
  private readonly initialized = new Map<string, Promise<void>>();
  private readonly metrics: ReturnType<typeof createConsumerMetrics> | undefined;
  /** Next offset to handle per assigned partition (first offset of the batch being handled). */
  private readonly position = new Map<string, bigint>();
  private running = false;
  /** Set by a crash; cleared when kafkajs's restart joins the group again. */
  private crashed: Error | undefined;
  /** Set by a crash kafkajs will not restart from: the consumer is dead until the process restarts. */
  private fatal: Error | undefined;
  private crashCount = 0;
  private lagTimer: NodeJS.Timeout | undefined;
  private lagRefresh: Promise<void> | undefined;
  private admin: Admin | undefined;
  private adminConnected: Promise<void> | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly options: PartitionedConsumerOptions,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs ?? 30000,
      heartbeatInterval: 3000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 4 << 20,
      maxBytes: options.maxBytes ?? 32 << 20,
      allowAutoTopicCreation: false,
      retry: { retries: options.retries ?? 10 },
    });
    this.metrics = options.registry ? createConsumerMetrics(options.registry, options.metricPrefix ?? 'tailstream') : undefined;
    this.consumer.on(this.consumer.events.GROUP_JOIN, (event) => {
      void this.onGroupJoin(event.payload.memberAssignment);
    });
    this.consumer.on(this.consumer.events.CRASH, (event) => this.onCrash(event.payload.error, event.payload.restart));
  }

  /** Started, not stopped, and not crashed (a restarted consumer counts again once it rejoined). */
  get isRunning(): boolean {
    return this.running && !this.crashed;
  }

  /** False only after a crash kafkajs does not restart from: the process should be restarted. */
  get isAlive(): boolean {
    return !this.fatal;
  }

  /** Crashes since start. */
  get crashes(): number {
    return this.crashCount;
  }

  /** Partitions currently assigned, as `topic:partition`. */
  get assignment(): string[] {
    return [...this.assigned];
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    for (const topic of this.options.topics) {
      await this.consumer.subscribe({ topic, fromBeginning: this.options.fromBeginning ?? true });
    }
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.onBatch(payload),
    });
    this.running = true;
    const every = this.options.lagRefreshMs ?? DEFAULT_LAG_REFRESH_MS;
    if (this.metrics && every > 0) {
      this.lagTimer = setInterval(() => {
        this.lagRefresh ??= this.refreshLag().finally(() => (this.lagRefresh = undefined));
      }, every);
      this.lagTimer.unref();
    }
  }

  /** Commits `offset` (the next offset to read) for a partition, with optional metadata stored beside it. */
  async commit(topic: string, partition: number, offset: bigint | string, metadata?: string): Promise<void> {
    await this.consumer.commitOffsets([{ topic, partition, offset: String(offset), metadata: metadata ?? null }]);
    this.metrics?.committed.set({ topic, partition: String(partition) }, Number(offset));
  }

  /** Makes the next fetch of a partition start at `offset` (e.g. the last commit after a failed batch). */
  seek(topic: string, partition: number, offset: bigint | string): void {
    this.consumer.seek({ topic, partition, offset: String(offset) });
  }

  pause(topic: string, partitions?: number[]): void {
    this.consumer.pause([{ topic, partitions }]);
  }

  resume(topic: string, partitions?: number[]): void {
    this.consumer.resume([{ topic, partitions }]);
  }

  /** Stops fetching, tells the handler every partition is revoked, and leaves the group. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.lagTimer) clearInterval(this.lagTimer);
    this.lagTimer = undefined;
    await this.lagRefresh;
    await this.consumer.stop();
    for (const k of [...this.assigned]) await this.revoke(k);
    await this.consumer.disconnect();
    if (this.admin) {
      const admin = this.admin;
      this.admin = undefined;
      this.adminConnected = undefined;
      await admin.disconnect().catch((error: unknown) => this.options.logger.debug({ err: error }, 'disconnecting the lag admin client failed'));
    }
  }

  /**
   * Sets the lag gauge of every assigned partition with a known position from the high watermarks
   * the broker reports now: lag = high watermark − next offset to handle. Failures are skipped.
   */
  private async refreshLag(): Promise<void> {
    const metrics = this.metrics;
    if (!metrics || !this.running) return;
    const topics = new Set<string>();
    for (const k of this.position.keys()) if (this.assigned.has(k)) topics.add(splitKey(k)[0]);
    if (topics.size === 0) return;
    try {
      if (!this.admin) {
        const admin = this.kafka.admin();
        this.admin = admin;
        this.adminConnected = admin.connect();
      }
      await this.adminConnected;
      const admin = this.admin;
      for (const topic of topics) {
        const offsets = await admin.fetchTopicOffsets(topic);
        if (!this.running) return;
        for (const { partition, high } of offsets) {
          const k = key(topic, partition);
          const position = this.position.get(k);
          if (position === undefined || !this.assigned.has(k)) continue;
          metrics.lag.set({ topic, partition: String(partition) }, Math.max(0, Number(BigInt(high) - position)));
        }
      }
    } catch (error) {
      this.options.logger.debug({ err: error }, 'refreshing consumer lag failed');
      if (this.admin) {
        // connect again next time (a failed connect would otherwise stick)
        const admin = this.admin;
        this.admin = undefined;
        this.adminConnected = undefined;
        await admin.disconnect().catch(() => undefined);
      }
    }
  }

  /**
   * kafkajs gave up on a broker call or a batch (its retries ran out) and stopped the consumer; it
   * restarts it after a back-off when the cause is retriable. The partitions stay with the
   * handler: the restarted consumer rejoins and reads again from the last commits, which handlers
   * meet after every rebalance that keeps their partitions too (kafkajs then also restarts from
   * the commits), so they already skip or rewind over records they handled.
   */
  private onCrash(error: Error, restart: boolean): void {
    this.crashCount += 1;
    this.crashed = error;
    if (!restart) this.fatal = error;
    this.metrics?.crashes.inc({ restart: String(restart) });
    this.options.logger.error(
      { err: error, restart, partitions: [...this.assigned].sort() },
      restart ? 'consumer crashed: kafkajs restarts it from the last commits' : 'consumer crashed and will not restart: restart the process',
    );
  }

  private async onGroupJoin(memberAssignment: Record<string, number[]>): Promise<void> {
    if (this.crashed && !this.fatal) {
      this.options.logger.info({ crashes: this.crashCount }, 'consumer restarted after a crash and joined the group');
      this.crashed = undefined;
    }
    const now = new Set<string>();
    for (const [topic, partitions] of Object.entries(memberAssignment)) {
      for (const p of partitions) now.add(key(topic, p));
    }
    for (const k of [...this.assigned]) if (!now.has(k)) await this.revoke(k);
    for (const k of now) this.assigned.add(k);
    this.options.logger.info({ assignment: [...now].sort() }, 'partitions assigned');
  }

  private async revoke(k: string): Promise<void> {
    this.assigned.delete(k);
    this.position.delete(k);
    const [topic, partition] = splitKey(k);
    this.metrics?.lag.remove({ topic, partition: String(partition) });
    const init = this.initialized.get(k);
    this.initialized.delete(k);
    if (!init) return;
    try {
      await init;
      await this.options.handler.onRevoked?.(topic, partition);
    } catch (error) {
      this.options.logger.error({ err: error, topic, partition }, 'revoking a partition failed');
    }
  }

  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const k = key(batch.topic, batch.partition);
    const labels = { topic: batch.topic, partition: String(batch.partition) };
    this.assigned.add(k);
    let init = this.initialized.get(k);
    if (!init) {
      init = this.options.handler.onAssigned?.(batch.topic, batch.partition) ?? Promise.resolve();
      this.initialized.set(k, init);
      // A failed start-up is retried with the next batch instead of sticking to the partition.
      init.catch(() => {
        if (this.initialized.get(k) === init) this.initialized.delete(k);
      });
    }
    await init;
    const first = batch.messages[0];
    if (!first) return;
    // from here until the batch is handled, its messages count as lag
    this.position.set(k, BigInt(first.offset));
    this.metrics?.lag.set(labels, Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(first.offset))));
    this.metrics?.batchSize.observe(batch.messages.length);
    const endTimer = this.metrics?.processing.startTimer();
    const pool = this.options.memoryPool;
    const held = pool?.retainMessages(batch.messages);
    await this.options.handler.handleBatch(
      { topic: batch.topic, partition: batch.partition, messages: batch.messages, highWatermark: batch.highWatermark },
      { heartbeat: payload.heartbeat, isStale: payload.isStale },
    );
    if (pool !== undefined && held !== undefined) pool.releaseAll(held);
    endTimer?.();
    const last = batch.messages[batch.messages.length - 1] ?? first;
    payload.resolveOffset(last.offset);
    if (this.assigned.has(k)) {
      this.position.set(k, BigInt(last.offset) + 1n);
      this.metrics?.lag.set(labels, Math.max(0, Number(BigInt(batch.highWatermark) - 1n - BigInt(last.offset))));
    }
    await payload.heartbeat();
  }
}

function splitKey(k: string): [string, number] {
  const at = k.lastIndexOf(':');
  return [k.slice(0, at), Number(k.slice(at + 1))];
}

function createConsumerMetrics(registry: Registry, prefix: string) {
  return {
    lag: new Gauge({
      name: `${prefix}_consumer_lag_messages`,
      help: 'Messages of the partition not handled yet: high watermark minus the next offset to handle (refreshed from the broker every few seconds, and after each batch).',
      labelNames: ['topic', 'partition'],
      registers: [registry],
    }),
    committed: new Gauge({
      name: `${prefix}_consumer_committed_offset`,
      help: 'Last committed offset (next offset to read).',
      labelNames: ['topic', 'partition'],
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: `${prefix}_consumer_batch_messages`,
      help: 'Messages per fetched batch.',
      buckets: [1, 10, 50, 100, 500, 1000, 5000, 10000],
      registers: [registry],
    }),
    crashes: new Counter({
      name: `${prefix}_consumer_crashes_total`,
      help: 'Times kafkajs stopped the consumer after its retries ran out; restart="true" when it restarts it (reading again from the last commits), "false" when the process must be restarted.',
      labelNames: ['restart'],
      registers: [registry],
    }),
    processing: new Histogram({
      name: `${prefix}_consumer_batch_processing_seconds`,
      help: 'Time to handle one fetched batch.',
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
  };
}


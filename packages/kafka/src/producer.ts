import './kafkajs-speedups'; // first: patches kafkajs before it is loaded (see the module)
import type { CompressionTypes, Kafka, Message, Producer, ProducerConfig } from 'kafkajs';
import type { Logger } from 'pino';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { compressionType, type KafkaCompression } from './codecs';
import { KafkaWriteError, ProducerClosedError } from './errors';
import { fastDefaultPartitioner } from './partitioner';

export interface OutMessage {
  key: string | Buffer | null;
  value: Buffer;
  headers?: Record<string, string | Buffer>;
}

export interface BatchingProducerOptions {
  /**
   * Bytes per `sendBatch` call (default 512 KiB). A batch never grows past it (unless one message
   * alone is larger), so a partition's record batch stays under the broker's default 1 MB
   * `message.max.bytes` even without compression: above it the broker refuses the batch (and the
   * kafkajs producer has to be recreated, see `BatchingProducer`).
   */
  maxBatchBytes?: number;
  /** Flush at most this long after the first pending message (default 5 ms). */
  lingerMs?: number;
  /** Batch compression (default none); snappy is registered with kafkajs by `./codecs`. */
  compression?: KafkaCompression;
  /** Idempotent producer with acks=all (default true). */
  idempotent?: boolean;
  registry?: Registry;
  /** Metric name prefix, e.g. `tailstream_ingest`. */
  metricPrefix?: string;
  /** Where recreations of the kafkajs producer are reported (warn). */
  logger?: Logger;
}

/**
 * Errors after which a kafkajs idempotent producer is not trusted any more, even when kafkajs calls
 * them retriable: its producer ID, epoch or sequence numbers no longer match the broker's.
 */
const SEQUENCE_ERRORS = new Set(['OUT_OF_ORDER_SEQUENCE_NUMBER', 'DUPLICATE_SEQUENCE_NUMBER', 'INVALID_PRODUCER_EPOCH', 'UNKNOWN_PRODUCER_ID', 'INVALID_PRODUCER_ID_MAPPING']);
/** Connect attempts for a fresh producer before the queued messages are refused (each send tries again). */
const RECREATE_ATTEMPTS = 5;
const RECREATE_BACKOFF_MS = 250;
const RECREATE_MAX_BACKOFF_MS = 5000;

interface KafkaJsErrorLike {
  name?: unknown;
  type?: unknown;
  retriable?: unknown;
  cause?: unknown;
}

/** The errors of a cause chain, outermost first (kafkajs wraps protocol errors once or twice). */
function causeChain(error: unknown): KafkaJsErrorLike[] {
  const chain: KafkaJsErrorLike[] = [];
  let e = error;
  while (e !== null && typeof e === 'object' && chain.length < 8 && !chain.includes(e as KafkaJsErrorLike)) {
    chain.push(e as KafkaJsErrorLike);
    e = (e as KafkaJsErrorLike).cause;
  }
  return chain;
}

/**
 * Why a failed `sendBatch` leaves the kafkajs producer unusable, or undefined when it does not: the
 * protocol error type (e.g. `MESSAGE_TOO_LARGE`) or the innermost kafkajs error name.
 */
export function producerRecreateReason(error: unknown): string | undefined {
  const chain = causeChain(error);
  const types = chain.map((e) => e.type).filter((t): t is string => typeof t === 'string');
  const fatal = chain[0]?.retriable === false || types.some((t) => SEQUENCE_ERRORS.has(t));
  if (!fatal) return undefined;
  const names = chain.map((e) => e.name).filter((n): n is string => typeof n === 'string');
  return types[0] ?? names[names.length - 1] ?? 'unknown';
}

interface Pending {
  topic: string;
  message: Message;
  bytes: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * kafkajs sends only what one call carries, so this producer gathers messages from many callers
 * into one `sendBatch` (acks=all, idempotent, optional compression). Each `send` resolves only
 * when Kafka acknowledged its batch, so callers can acknowledge their own input after that.
 * `pendingBytes` (queued + in flight) lets callers apply backpressure.
 *
 * After a batch fails with a non-retriable error or a sequence/epoch error, its callers are
 * rejected and the kafkajs producer is replaced by a new one (new producer ID, sequences from 0)
 * before the next batch: kafkajs rolls back the sequence numbers of every partition of a failed
 * request, also of those the broker wrote, and then fails every later batch to them
 * (OUT_OF_ORDER_SEQUENCE_NUMBER) or, worse, has a batch of the same size acknowledged as a duplicate
 * without writing it (tulios/kafkajs#598).
 */
export class BatchingProducer {
  private producer: Producer;
  private readonly producerConfig: ProducerConfig;
  /** Set when the current kafkajs producer must not send again: the reason for replacing it. */
  private recreateReason: string | undefined;
  private closing = false;
  private closePromise: Promise<void> | undefined;
  private cancelBackoff: (() => void) | undefined;
  private readonly logger: Logger | undefined;
  private queue: Pending[] = [];
  private queuedBytes = 0;
  private inFlightBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;
  private connected = false;
  private readonly maxBatchBytes: number;
  private readonly lingerMs: number;
  private readonly compression: CompressionTypes;
  private readonly metrics: ReturnType<typeof createProducerMetrics> | undefined;

  constructor(
    private readonly kafka: Kafka,
    options: BatchingProducerOptions = {},
  ) {
    const idempotent = options.idempotent ?? true;
    this.producerConfig = {
      idempotent,
      maxInFlightRequests: idempotent ? 1 : 5,
      allowAutoTopicCreation: false,
      // kafkajs's default placement (Java-compatible murmur2), without its bigint arithmetic
      createPartitioner: fastDefaultPartitioner,
    };
    this.maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
    this.lingerMs = options.lingerMs ?? 5;
    this.compression = compressionType(options.compression ?? 'none');
    this.metrics = options.registry ? createProducerMetrics(options.registry, options.metricPrefix ?? 'tailstream') : undefined;
    this.logger = options.logger;
    this.producer = this.createProducer();
  }

  /** A kafkajs producer whose connection events count only while it is the current one. */
  private createProducer(): Producer {
    const producer = this.kafka.producer(this.producerConfig);
    producer.on(producer.events.CONNECT, () => {
      if (this.producer === producer && this.recreateReason === undefined) this.connected = true;
    });
    producer.on(producer.events.DISCONNECT, () => {
      if (this.producer === producer) this.connected = false;
    });
    return producer;
  }

  async connect(): Promise<void> {
    await this.producer.connect();
    this.connected = true;
  }

  get isConnected(): boolean {
    return this.connected && !this.closed;
  }

  /** Bytes accepted but not yet acknowledged by Kafka. */
  get pendingBytes(): number {
    return this.queuedBytes + this.inFlightBytes;
  }

  send(topic: string, message: OutMessage): Promise<void> {
    if (this.closed) return Promise.reject(new ProducerClosedError());
    const bytes = message.value.length + (message.key?.length ?? 0) + 64;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ topic, message: message as Message, bytes, resolve, reject });
      this.queuedBytes += bytes;
      this.metrics?.pendingBytes.set(this.pendingBytes);
      if (this.queuedBytes >= this.maxBatchBytes) this.flushSoon(0);
      else this.flushSoon(this.lingerMs);
    });
  }

  /** Sends many messages; resolves when all are acknowledged. */
  async sendAll(topic: string, messages: OutMessage[]): Promise<void> {
    await Promise.all(messages.map((m) => this.send(topic, m)));
  }

  /** Sends everything queued now and waits for it. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.flushing = this.flushing.then(() => this.sendQueued());
    await this.flushing;
  }

  /**
   * Sends what is queued (unless the producer is being recreated: then it is refused), waits for
   * it, and disconnects. Safe at any moment and more than once.
   */
  close(): Promise<void> {
    this.closePromise ??= this.closeOnce();
    return this.closePromise;
  }

  private async closeOnce(): Promise<void> {
    this.closing = true;
    this.cancelBackoff?.();
    await this.flush();
    this.closed = true;
    this.connected = false;
    // sends that came in after the last flush: nothing will send them any more
    this.rejectQueued(new ProducerClosedError());
    await this.producer.disconnect();
  }

  private flushSoon(delayMs: number): void {
    if (this.timer && delayMs > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing = this.flushing.then(() => this.sendQueued());
    }, delayMs);
  }

  private async sendQueued(): Promise<void> {
    for (;;) {
      if (this.recreateReason !== undefined && !this.closing) await this.recreate();
      if (this.queue.length === 0) return;
      if (this.closed || this.recreateReason !== undefined) {
        // no producer to send with: callers replay (a later send tries to recreate it again)
        this.rejectQueued(
          this.closing
            ? new ProducerClosedError()
            : new KafkaWriteError(`Kafka producer could not be recreated after ${this.recreateReason ?? 'an error'}`, true),
        );
        return;
      }
      const batch: Pending[] = [];
      let bytes = 0;
      while (this.queue.length > 0 && (batch.length === 0 || bytes + (this.queue[0] as Pending).bytes <= this.maxBatchBytes)) {
        const next = this.queue.shift() as Pending;
        batch.push(next);
        bytes += next.bytes;
      }
      this.queuedBytes -= bytes;
      this.inFlightBytes += bytes;
      const byTopic = new Map<string, Message[]>();
      for (const p of batch) {
        let list = byTopic.get(p.topic);
        if (!list) byTopic.set(p.topic, (list = []));
        list.push(p.message);
      }
      const endTimer = this.metrics?.latency.startTimer();
      try {
        await this.producer.sendBatch({
          acks: -1,
          compression: this.compression,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        });
        endTimer?.({ outcome: 'ok' });
        this.metrics?.messages.inc(batch.length);
        this.metrics?.bytes.inc(bytes);
        for (const p of batch) p.resolve();
      } catch (cause) {
        endTimer?.({ outcome: 'error' });
        this.metrics?.errors.inc();
        const retriable = (cause as { retriable?: boolean }).retriable !== false;
        const error = new KafkaWriteError(`Kafka did not acknowledge ${batch.length} messages: ${(cause as Error).message}`, retriable, { cause });
        // decided before any caller runs: nothing is sent on this producer any more
        const reason = producerRecreateReason(cause);
        if (reason !== undefined) {
          this.recreateReason = reason;
          this.connected = false;
          this.logger?.warn({ err: cause, reason }, 'Kafka producer failed fatally; recreating it');
        }
        for (const p of batch) p.reject(error);
      } finally {
        this.inFlightBytes -= bytes;
        this.metrics?.pendingBytes.set(this.pendingBytes);
      }
    }
  }

  private rejectQueued(error: Error): void {
    const pending = this.queue;
    this.queue = [];
    this.queuedBytes = 0;
    this.metrics?.pendingBytes.set(this.pendingBytes);
    for (const p of pending) p.reject(error);
  }

  /**
   * Replaces the kafkajs producer (runs in the flush chain, so no batch is sent meanwhile). Up to
   * RECREATE_ATTEMPTS connects with exponential backoff; stops early when `close()` is called.
   * Never throws: on failure `recreateReason` stays set and the next flush tries again.
   */
  private async recreate(): Promise<void> {
    const reason = this.recreateReason ?? 'unknown';
    this.connected = false;
    try {
      await this.producer.disconnect();
    } catch (error) {
      this.logger?.warn({ err: error, reason }, 'disconnecting the failed Kafka producer failed');
    }
    for (let attempt = 1; ; attempt++) {
      const fresh = this.createProducer();
      this.producer = fresh;
      try {
        await fresh.connect();
        this.recreateReason = undefined;
        this.connected = true;
        this.metrics?.recreated.inc({ reason });
        this.logger?.warn({ reason, attempt }, 'Kafka producer recreated');
        return;
      } catch (error) {
        await fresh.disconnect().catch(() => undefined);
        this.connected = false;
        const giveUp = attempt >= RECREATE_ATTEMPTS || this.closing;
        this.logger?.warn({ err: error, reason, attempt, giveUp }, 'connecting a new Kafka producer failed');
        if (giveUp) return;
      }
      await this.backoff(Math.min(RECREATE_MAX_BACKOFF_MS, RECREATE_BACKOFF_MS * 2 ** (attempt - 1)));
      if (this.closing) return;
    }
  }

  private backoff(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.cancelBackoff = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.cancelBackoff = done;
    });
  }
}

function createProducerMetrics(registry: Registry, prefix: string) {
  return {
    messages: new Counter({ name: `${prefix}_kafka_messages_produced_total`, help: 'Messages acknowledged by Kafka.', registers: [registry] }),
    bytes: new Counter({ name: `${prefix}_kafka_bytes_produced_total`, help: 'Approximate bytes acknowledged by Kafka (key + value + overhead).', registers: [registry] }),
    errors: new Counter({ name: `${prefix}_kafka_produce_errors_total`, help: 'Batches Kafka did not acknowledge.', registers: [registry] }),
    latency: new Histogram({
      name: `${prefix}_kafka_produce_latency_seconds`,
      help: 'Time from sendBatch to acknowledgement.',
      labelNames: ['outcome'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    pendingBytes: new Gauge({ name: `${prefix}_kafka_pending_bytes`, help: 'Bytes queued or in flight to Kafka.', registers: [registry] }),
    recreated: new Counter({
      name: `${prefix}_kafka_producer_recreated_total`,
      help: 'kafkajs producers replaced by a new one after a non-retriable or sequence/epoch error, by error type.',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}

import './kafkajs-speedups'; // first: patches kafkajs before it is loaded (see the module)
import { CompressionTypes, type Kafka, type Message, type Producer } from 'kafkajs';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { KafkaWriteError, ProducerClosedError } from './errors';

export interface OutMessage {
  key: string | Buffer | null;
  value: Buffer;
  headers?: Record<string, string | Buffer>;
}

export interface BatchingProducerOptions {
  /**
   * Bytes per `sendBatch` call (default 512 KiB). A batch never grows past it (unless one message
   * alone is larger), so a partition's record batch stays under the broker's default 1 MB
   * `message.max.bytes` even without compression: above it the broker refuses the batch, and
   * kafkajs's idempotent producer does not recover from that.
   */
  maxBatchBytes?: number;
  /** Flush at most this long after the first pending message (default 5 ms). */
  lingerMs?: number;
  compression?: 'none' | 'gzip';
  /** Idempotent producer with acks=all (default true). */
  idempotent?: boolean;
  registry?: Registry;
  /** Metric name prefix, e.g. `tailstream_ingest`. */
  metricPrefix?: string;
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
 */
export class BatchingProducer {
  private readonly producer: Producer;
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

  constructor(kafka: Kafka, options: BatchingProducerOptions = {}) {
    const idempotent = options.idempotent ?? true;
    this.producer = kafka.producer({ idempotent, maxInFlightRequests: idempotent ? 1 : 5, allowAutoTopicCreation: false });
    this.maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
    this.lingerMs = options.lingerMs ?? 5;
    this.compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    this.metrics = options.registry ? createProducerMetrics(options.registry, options.metricPrefix ?? 'tailstream') : undefined;
    this.producer.on(this.producer.events.CONNECT, () => (this.connected = true));
    this.producer.on(this.producer.events.DISCONNECT, () => (this.connected = false));
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

  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
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
    while (this.queue.length > 0) {
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
        for (const p of batch) p.reject(error);
      } finally {
        this.inFlightBytes -= bytes;
        this.metrics?.pendingBytes.set(this.pendingBytes);
      }
    }
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
  };
}

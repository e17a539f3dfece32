import { encodeOtlpBody, type OtlpBodyEncoding } from './encoding';
import { RequestPump, requestSpanCount, type RequestInput, type SendLimits } from './pump';
import { ProgressCounter, type SendProgress } from './send-progress';
import { RateLimiter, realTimer, type Timer } from './timing';

/** One Kafka record as the Collector's Kafka exporter writes it: no key, the OTLP request as value. */
export interface OtlpKafkaRecord {
  key: null;
  value: Buffer;
}

/**
 * The minimal producer this function needs, so any client fits:
 * - @tailstream/kafka BatchingProducer: `{ send: (topic, messages) => producer.sendAll(topic, messages) }`
 * - kafkajs: `{ send: (topic, messages) => producer.send({ topic, messages }) }`
 * The promise must resolve only once the broker acknowledged the messages.
 */
export interface KafkaProducerLike {
  send(topic: string, messages: OtlpKafkaRecord[]): Promise<unknown>;
}

export interface ProduceOtlpToKafkaOptions extends SendLimits {
  producer: KafkaProducerLike;
  topic: string;
  /** Requests to write: a TrafficGenerator, an array or any (async) iterable of LoadRequest. */
  source: RequestInput;
  /** `protobuf` (Collector encoding `otlp_proto`, default) or `json` (`otlp_json`). */
  encoding?: OtlpBodyEncoding;
  /** Sustained spans per second. Omitted → as fast as possible. */
  ratePerSec?: number;
  asFastAsPossible?: boolean;
  /** Records (one per request) handed to one `send` call (default 16). */
  messagesPerSend?: number;
  /** `send` calls in flight at once (default 2). */
  concurrency?: number;
  onProgress?: (progress: SendProgress) => void;
  timer?: Timer;
}

/**
 * Writes OTLP export requests to a Kafka topic like an OpenTelemetry Collector's Kafka exporter
 * (one record per request, value = ExportTraceServiceRequest, no key), until the source ends or a
 * limit is reached. A failed `send` counts its spans as failed and is not retried here (the
 * producer owns retries). Resolves with the final counters.
 */
export async function produceOtlpToKafka(options: ProduceOtlpToKafkaOptions): Promise<SendProgress> {
  const timer = options.timer ?? realTimer;
  const encoding = options.encoding ?? 'protobuf';
  const perSend = Math.max(1, Math.floor(options.messagesPerSend ?? 16));
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 2));
  const limiter = options.ratePerSec !== undefined && !options.asFastAsPossible ? new RateLimiter(options.ratePerSec, timer) : undefined;
  const pump = new RequestPump(options.source, options, timer);
  const counter = new ProgressCounter(timer.now());

  const worker = async (): Promise<void> => {
    for (;;) {
      const records: OtlpKafkaRecord[] = [];
      const spanCounts: number[] = [];
      while (records.length < perSend) {
        const request = await pump.next();
        if (!request) break;
        const spans = requestSpanCount(request);
        const value = encodeOtlpBody(request.batches, encoding);
        records.push({ key: null, value });
        spanCounts.push(spans);
        counter.sent(value.length, false);
        if (limiter) break; // rate-limited: do not hold records back waiting for a full send
      }
      if (records.length === 0) return;
      try {
        await options.producer.send(options.topic, records);
        counter.status('acked');
        for (const spans of spanCounts) counter.accepted(spans, 0, '');
      } catch (err) {
        counter.status('error');
        for (const spans of spanCounts) counter.failed(spans, `Kafka send failed: ${(err as Error).message}`);
      }
      options.onProgress?.(counter.snapshot(timer.now()));
      // Paid after sending, so records leave as soon as they are generated (see sendOtlpHttp).
      if (limiter)
        await limiter.take(
          spanCounts.reduce((a, b) => a + b, 0),
          options.signal,
        );
    }
  };

  await Promise.all(Array.from({ length: concurrency }, () => worker()));
  return counter.snapshot(timer.now());
}

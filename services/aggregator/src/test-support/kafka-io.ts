import { keptSpanBatchCodec, spanBatchCodec, traceSummaryCodec } from '@tailstream/avro';
import { DLQ_HEADERS, fetchCommitted, headerString, type TopicNames } from '@tailstream/kafka';
import type { KeptSpanBatch, SpanBatch, TraceSummary } from '@tailstream/model';
import { toHex } from '@tailstream/model';
import { uniqueGroupId } from '@tailstream/test-harness';
import type { Consumer, Kafka, Message, Producer } from 'kafkajs';
import type { FixtureTrace } from './fixtures';

/** Polls `check` every 100 ms until it holds; fails after `timeoutMs` with `describe()`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string | Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${await describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Writes the aggregator's three input topics as ingest and the tail-sampler do (Avro, schema header, trace-ID key). */
export class InputProducer {
  private readonly producer: Producer;

  constructor(
    kafka: Kafka,
    private readonly topics: TopicNames,
  ) {
    // Idempotent: a retried produce request (e.g. while a fresh topic elects its leaders) must not
    // duplicate records, or the input would no longer match the ground truth.
    this.producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  }

  /** Records sent per topic (to check the topics hold exactly what the ground truth assumes). */
  readonly sent = new Map<string, number>();

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  /** Sends raw messages in order, acks=all. */
  async send(topic: string, messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 200) {
      await this.producer.send({ topic, acks: -1, messages: messages.slice(i, i + 200) });
    }
    this.sent.set(topic, (this.sent.get(topic) ?? 0) + messages.length);
  }

  /** Every message of the traces on the spans topic, in the given order, to each trace's partition. */
  spans(traces: readonly FixtureTrace[]): Promise<void> {
    const codec = spanBatchCodec();
    return this.send(
      this.topics.spans,
      traces.flatMap((t) => t.batches.map((b) => spanMessage(codec.encode(b), codec.headers, t.hex, t.partition))),
    );
  }

  /** Span batches in an explicit interleaving (e.g. second halves of split traces after other traces). */
  spanBatches(items: readonly { batch: SpanBatch; partition: number }[]): Promise<void> {
    const codec = spanBatchCodec();
    return this.send(
      this.topics.spans,
      items.map((i) => spanMessage(codec.encode(i.batch), codec.headers, toHex(i.batch.traceId), i.partition)),
    );
  }

  kept(items: readonly { kept: KeptSpanBatch; partition: number }[]): Promise<void> {
    const codec = keptSpanBatchCodec();
    return this.send(
      this.topics.sampledSpans,
      items.map((i) => spanMessage(codec.encode(i.kept), codec.headers, toHex(i.kept.batch.traceId), i.partition)),
    );
  }

  summaries(items: readonly { summary: TraceSummary; partition: number }[]): Promise<void> {
    const codec = traceSummaryCodec();
    return this.send(
      this.topics.traceSummaries,
      items.map((i) => spanMessage(codec.encode(i.summary), codec.headers, toHex(i.summary.traceId), i.partition)),
    );
  }
}

function spanMessage(value: Buffer, headers: Record<string, string>, key: string, partition: number): Message {
  return { key, value, headers, partition };
}

/** A dead-lettered record as read back from the dead-letter topic. */
export interface DeadLetterSeen {
  reason: string;
  error: string;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  worker: string;
  value: Buffer | null;
}

/** Reads the dead-letter topic from the beginning. */
export class DeadLetterReader {
  readonly seen: DeadLetterSeen[] = [];
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    this.consumer = kafka.consumer({ groupId: uniqueGroupId('agg-dlq-reader'), sessionTimeout: 10000 });
  }

  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ message }) => {
        const h = message.headers;
        this.seen.push({
          reason: headerString(h, DLQ_HEADERS.reason) ?? '',
          error: headerString(h, DLQ_HEADERS.error) ?? '',
          sourceTopic: headerString(h, DLQ_HEADERS.topic) ?? '',
          sourcePartition: Number(headerString(h, DLQ_HEADERS.partition)),
          sourceOffset: headerString(h, DLQ_HEADERS.offset) ?? '',
          worker: headerString(h, DLQ_HEADERS.worker) ?? '',
          value: message.value,
        });
      },
    });
  }

  stop(): Promise<void> {
    return this.consumer.disconnect();
  }
}

/** Per partition: the committed offset of `groupId` and the topic's end offset (high watermark). */
export async function commitProgress(kafka: Kafka, groupId: string, topic: string): Promise<{ partition: number; committed: bigint; end: bigint }[]> {
  const committed = await fetchCommitted(kafka, groupId, topic);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    return ends
      .map((e) => ({ partition: e.partition, committed: committed.get(e.partition)?.offset ?? -1n, end: BigInt(e.high) }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect();
  }
}

/** True when the group committed up to the end of every non-empty partition of the topic. */
export async function fullyCommitted(kafka: Kafka, groupId: string, topic: string): Promise<boolean> {
  return (await commitProgress(kafka, groupId, topic)).every((p) => p.committed === p.end || (p.end === 0n && p.committed === -1n));
}

/** Records held by a topic (sum of high watermarks; the test topics are never truncated). */
export async function topicRecords(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

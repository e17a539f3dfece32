import { decisionCodec, keptSpanBatchCodec, SCHEMA_HEADER, spanBatchCodec, traceSummaryCodec } from '@tailstream/avro';
import { headerString, type TopicNames } from '@tailstream/kafka';
import { toHex, type KeptSpanBatch, type SamplingDecision, type SpanBatch, type TraceSummary } from '@tailstream/model';
import { uniqueGroupId } from '@tailstream/test-harness';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { batchSpanKeys } from './traces';

/** Polls `check` every 100 ms until it is true; fails after `timeoutMs` with `describe()`. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, describe: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Where a produced span batch landed. */
export interface Produced {
  batch: SpanBatch;
  partition: number;
  offset: bigint;
}

/** Writes span batches to the spans topic as ingest does (Avro, schema header, trace ID hex key). */
export class SpanProducer {
  private readonly producer: Producer;
  private readonly codec = spanBatchCodec();

  constructor(
    kafka: Kafka,
    private readonly topic: string,
  ) {
    // Idempotent: a retried send never writes a record twice, so every duplicate a test sees is the sampler's.
    this.producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  /** Sends batches one record at a time, in order; returns where each landed. */
  async send(batches: readonly SpanBatch[]): Promise<Produced[]> {
    const out: Produced[] = [];
    for (const batch of batches) {
      const [meta] = await this.producer.send({
        topic: this.topic,
        acks: -1,
        messages: [{ key: toHex(batch.traceId), value: this.codec.encode(batch), headers: this.codec.headers }],
      });
      if (!meta) throw new Error('no produce metadata');
      out.push({ batch, partition: meta.partition, offset: BigInt(meta.baseOffset ?? '-1') });
    }
    return out;
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }
}

/** One decoded record of an output topic. */
export interface Received<T> {
  key: string;
  partition: number;
  offset: string;
  value: T;
}

/**
 * Follows the sampler's three output topics from the beginning (own group) and keeps every
 * record decoded, so tests can wait for and assert on exactly what the sampler wrote.
 */
export class OutputCollector {
  readonly decisions: Received<SamplingDecision>[] = [];
  readonly kept: Received<KeptSpanBatch>[] = [];
  readonly summaries: Received<TraceSummary>[] = [];
  private consumer: Consumer | undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topics: Pick<TopicNames, 'decisions' | 'sampledSpans' | 'traceSummaries'>,
  ) {}

  async start(): Promise<void> {
    const decisions = decisionCodec();
    const kept = keptSpanBatchCodec();
    const summaries = traceSummaryCodec();
    this.consumer = this.kafka.consumer({ groupId: uniqueGroupId('sampler-it-read'), allowAutoTopicCreation: false });
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [this.topics.decisions, this.topics.sampledSpans, this.topics.traceSummaries],
      fromBeginning: true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const schema = headerString(message.headers, SCHEMA_HEADER);
        const base = { key: message.key?.toString() ?? '', partition, offset: message.offset };
        const value = message.value ?? Buffer.alloc(0);
        if (topic === this.topics.decisions) this.decisions.push({ ...base, value: decisions.decode(value, schema) });
        else if (topic === this.topics.sampledSpans) this.kept.push({ ...base, value: kept.decode(value, schema) });
        else this.summaries.push({ ...base, value: summaries.decode(value, schema) });
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  /** Every decision record of a trace, in the order read. */
  decisionsOf(hex: string): SamplingDecision[] {
    return this.decisions.filter((d) => toHex(d.value.traceId) === hex).map((d) => d.value);
  }

  /** Distinct traces that have at least one decision. */
  decidedTraces(): Set<string> {
    return new Set(this.decisions.map((d) => toHex(d.value.traceId)));
  }

  /** Kept span batches of a trace. */
  keptOf(hex: string): KeptSpanBatch[] {
    return this.kept.filter((k) => toHex(k.value.batch.traceId) === hex).map((k) => k.value);
  }

  /** Span keys of every kept span of a trace (a set: replays may repeat spans). */
  keptSpanKeys(hex: string): Set<string> {
    const out = new Set<string>();
    for (const k of this.keptOf(hex)) for (const key of batchSpanKeys(k.batch)) out.add(key);
    return out;
  }

  summariesOf(hex: string): TraceSummary[] {
    return this.summaries.filter((s) => toHex(s.value.traceId) === hex).map((s) => s.value);
  }
}

import { spanBatchCodec } from '@tailstream/avro';
import { toHex, type SpanBatch } from '@tailstream/model';
import { testInfra, uniqueGroupId, uniqueTopicPrefix } from '@tailstream/test-harness';
import { createLogger } from '@tailstream/telemetry';
import type { Consumer, Kafka } from 'kafkajs';
import { createKafka } from './client';
import { kafkaCodecInfo } from './kafkajs-speedups';
import { ensureTopics, describeTopics } from './admin';
import { BatchingProducer } from './producer';
import { DeadLetterWriter, DLQ_HEADERS } from './dead-letter';
import { headerString } from './headers';
import { topicNames } from './topics';
import { SCHEMA_HEADER } from '@tailstream/avro';

const logger = createLogger({ name: 'test', level: 'silent' });

function batchFor(i: number): SpanBatch {
  const traceId = Buffer.alloc(16, 0);
  traceId.writeUInt32BE(i + 1, 12);
  return {
    traceId,
    resources: [{ serviceName: `svc-${i % 3}`, attributes: Buffer.alloc(0), droppedAttributesCount: 0, schemaUrl: '' }],
    scopes: [{ name: 'scope', version: '1', attributes: Buffer.alloc(0), droppedAttributesCount: 0, schemaUrl: '' }],
    spans: [
      {
        spanId: Buffer.from([0, 0, 0, 0, 0, 0, 0, i + 1]),
        parentSpanId: Buffer.alloc(0),
        traceState: '',
        flags: 1,
        name: `op-${i}`,
        kind: 2,
        startTimeUnixNano: 1_764_100_000_000_000_000n + BigInt(i),
        endTimeUnixNano: 1_764_100_000_500_000_000n + BigInt(i),
        statusCode: i % 2,
        statusMessage: '',
        resourceIndex: 0,
        scopeIndex: 0,
        attributes: Buffer.from([0x0a, 0x00]),
        droppedAttributesCount: 0,
        events: [],
        droppedEventsCount: 0,
        links: [],
        droppedLinksCount: 0,
      },
    ],
    receivedAtUnixNano: 1n,
  };
}

describe('Avro span batches through a real Kafka broker', () => {
  let kafka: Kafka;
  let producer: BatchingProducer;
  let consumer: Consumer | undefined;
  const prefix = uniqueTopicPrefix('kafka-avro');
  const topics = topicNames(prefix);

  beforeAll(async () => {
    // the broker checks every record batch's CRC32C: these tests cover the native one
    expect(kafkaCodecInfo()).toMatchObject({ crc32c: 'native', encoder: 'patched', encoderConstructor: true });
    kafka = createKafka({ brokers: testInfra().kafkaBrokers.split(','), clientId: 'test' }, logger);
    const created = await ensureTopics(kafka, { prefix, partitions: 3, replicationFactor: 1 });
    expect(created).toContain(topics.spans);
    // idempotent: nothing left to create the second time
    expect(await ensureTopics(kafka, { prefix, partitions: 3, replicationFactor: 1 })).toEqual([]);
    producer = new BatchingProducer(kafka, { lingerMs: 2 });
    await producer.connect();
  });

  afterAll(async () => {
    await consumer?.disconnect();
    await producer?.close();
  });

  it('produces batches keyed by trace ID and consumes them back, decoded through the writer-schema header', async () => {
    const codec = spanBatchCodec();
    const sent = Array.from({ length: 30 }, (_, i) => batchFor(i));
    await producer.sendAll(
      topics.spans,
      sent.map((b) => ({ key: toHex(b.traceId), value: codec.encode(b), headers: codec.headers })),
    );

    const received = new Map<string, { batch: SpanBatch; partition: number }>();
    consumer = kafka.consumer({ groupId: uniqueGroupId('kafka-avro') });
    await consumer.connect();
    await consumer.subscribe({ topic: topics.spans, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timeout = setTimeout(() => reject(new Error(`only ${received.size} of 30 batches consumed`)), 60000);
      void consumer!.run({
        eachMessage: async ({ message, partition }) => {
          const batch = codec.decode(message.value as Buffer, headerString(message.headers, SCHEMA_HEADER));
          expect(message.key?.toString()).toBe(toHex(batch.traceId));
          received.set(toHex(batch.traceId), { batch, partition });
          if (received.size === sent.length) {
            clearTimeout(timeout);
            resolve();
          }
        },
      });
    });

    for (const b of sent) {
      const got = received.get(toHex(b.traceId));
      expect(got?.batch).toEqual(b);
    }
    // keyed by trace ID: spread over the partitions, and the same key always lands on the same one
    expect(new Set([...received.values()].map((r) => r.partition)).size).toBeGreaterThan(1);
    const described = await describeTopics(kafka, prefix);
    expect(described.find((d) => d.name === topics.spans)).toEqual({ name: topics.spans, partitions: 3, messages: 30 });
  });

  it('dead-letters a record unchanged with reason and origin headers', async () => {
    const dlq = new DeadLetterWriter(producer, topics.deadLetter, 'test-worker');
    await dlq.send({
      sourceTopic: topics.spans,
      sourcePartition: 2,
      sourceOffset: '41',
      reason: 'undecodable_avro',
      error: 'garbage',
      key: 'k',
      value: Buffer.from([0xde, 0xad]),
    });
    const c = kafka.consumer({ groupId: uniqueGroupId('dlq') });
    await c.connect();
    await c.subscribe({ topic: topics.deadLetter, fromBeginning: true });
    const message = await new Promise<{ value: Buffer | null; headers?: Record<string, unknown> }>((resolve) => {
      void c.run({ eachMessage: async ({ message }) => resolve(message as never) });
    });
    await c.disconnect();
    expect(message.value).toEqual(Buffer.from([0xde, 0xad]));
    const h = message.headers as never;
    expect(headerString(h, DLQ_HEADERS.reason)).toBe('undecodable_avro');
    expect(headerString(h, DLQ_HEADERS.topic)).toBe(topics.spans);
    expect(headerString(h, DLQ_HEADERS.partition)).toBe('2');
    expect(headerString(h, DLQ_HEADERS.offset)).toBe('41');
    expect(headerString(h, DLQ_HEADERS.worker)).toBe('test-worker');
  });

  it('keeps every uncompressed batch under the broker limit when many large messages go to one partition', async () => {
    // 40 × 100 KB to ONE partition without compression: batches cut at 512 KiB stay under the
    // broker's default 1 MB message.max.bytes (a 1 MiB cut did not, and the idempotent producer then failed for good).
    const big = new BatchingProducer(kafka, { lingerMs: 50 });
    await big.connect();
    try {
      const value = Buffer.alloc(100 * 1024, 7);
      await big.sendAll(topics.otlp, Array.from({ length: 40 }, () => ({ key: 'same-key', value })));
      const described = await describeTopics(kafka, prefix);
      expect(described.find((d) => d.name === topics.otlp)?.messages).toBe(40);
    } finally {
      await big.close();
    }
  });
});

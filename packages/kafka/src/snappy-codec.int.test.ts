import { mulberry32 } from '@tailstream/test-harness/random';
import { readMessages, testInfra, uniqueGroupId, uniqueTopicPrefix } from '@tailstream/test-harness';
import { createLogger } from '@tailstream/telemetry';
import type { Admin, Kafka } from 'kafkajs';
import { createKafka } from './client';
import type { KafkaCompression } from './codecs';
import { PartitionedConsumer } from './consumer';
import { BatchingProducer, type OutMessage } from './producer';
import { isXerialFramed, snappyCodec } from './snappy-codec';

const logger = createLogger({ name: 'test', level: 'silent' });

/** Span-batch-like messages: keys are trace IDs, values compressible bytes with random parts. */
function messages(seed: number, count: number): OutMessage[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, (_, i) => {
    const key = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16)).join('');
    const random = Buffer.from(Array.from({ length: 64 + Math.floor(rand() * 256) }, () => Math.floor(rand() * 256)));
    const text = Buffer.from(
      `service.name=checkout;http.route=/api/orders/${i};status=${Math.floor(rand() * 3)};`.repeat(1 + Math.floor(rand() * 40)),
    );
    return { key, value: Buffer.concat([text, random, text]) };
  });
}

/** key → hex of the value, for comparing what was read with what was sent regardless of partition order. */
function byKey(list: { key: Buffer | string | null; value: Buffer | null }[]): Map<string, string> {
  return new Map(list.map((m) => [m.key?.toString() ?? '', m.value?.toString('hex') ?? '']));
}

describe('snappy on a real broker', () => {
  let kafka: Kafka;
  let admin: Admin;
  const prefix = uniqueTopicPrefix('snappy');
  const created: string[] = [];

  beforeAll(async () => {
    kafka = createKafka({ brokers: testInfra().kafkaBrokers.split(','), clientId: 'snappy-test' }, logger);
    admin = kafka.admin();
    await admin.connect();
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    if (created.length > 0) await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });

  async function createTopic(topic: string, configEntries: { name: string; value: string }[] = []): Promise<void> {
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1, configEntries }] });
    created.push(topic);
  }

  /** Sends `sent` through a BatchingProducer of its own and closes it once Kafka acknowledged all. */
  async function produce(topic: string, sent: OutMessage[], compression: KafkaCompression): Promise<void> {
    const producer = new BatchingProducer(kafka, { compression, maxBatchBytes: 64 * 1024 });
    await producer.connect();
    try {
      await producer.sendAll(topic, sent);
    } finally {
      await producer.close();
    }
  }

  it('BatchingProducer with snappy: the broker accepts the batches and a consumer reads the same keys and bytes', async () => {
    const topic = `${prefix}produced`;
    await createTopic(topic);
    // Our produce encoder calls the synchronous entry point (one reused records buffer).
    const compress = jest.spyOn(snappyCodec, 'compressSync');
    const decompress = jest.spyOn(snappyCodec, 'decompress');
    const sent = messages(1, 600);

    await produce(topic, sent, 'snappy');
    expect(compress).toHaveBeenCalled();
    // what we wrote is raw snappy (no xerial header), and much smaller than the records
    const written = compress.mock.results.map((r) => r.value as Buffer);
    expect(written.some(isXerialFramed)).toBe(false);
    const recordBytes = compress.mock.calls.reduce((n, [input]) => n + input.length, 0);
    expect(written.reduce((n, b) => n + b.length, 0)).toBeLessThan(recordBytes / 2);

    const read = await readMessages(kafka, topic, sent.length, 60_000);
    expect(decompress).toHaveBeenCalled();
    expect(read).toHaveLength(sent.length);
    expect(byKey(read)).toEqual(byKey(sent));
    expect(byKey(sent).size).toBe(sent.length);
  });

  it('reads batches the broker recompressed with Java snappy (topic compression.type=snappy, xerial framing) through PartitionedConsumer', async () => {
    const topic = `${prefix}java`;
    await createTopic(topic, [{ name: 'compression.type', value: 'snappy' }]);
    const decompress = jest.spyOn(snappyCodec, 'decompress');
    const sent = messages(2, 400);

    await produce(topic, sent, 'none');

    const read: { key: Buffer | null; value: Buffer | null }[] = [];
    let done!: () => void;
    const all = new Promise<void>((resolve) => (done = resolve));
    const consumer = new PartitionedConsumer(kafka, {
      groupId: uniqueGroupId('snappy-java'),
      topics: [topic],
      logger,
      lagRefreshMs: 0,
      handler: {
        handleBatch: async (batch) => {
          read.push(...batch.messages);
          if (read.length >= sent.length) done();
        },
      },
    });
    await consumer.start();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        all,
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`read ${read.length} of ${sent.length}`)), 60_000))),
      ]);
    } finally {
      clearTimeout(timer);
      await consumer.stop();
    }
    // every batch the broker stored came back xerial-framed, and we decoded it
    const inputs = decompress.mock.calls.map(([buffer]) => buffer);
    expect(inputs.length).toBeGreaterThan(0);
    expect(inputs.every(isXerialFramed)).toBe(true);
    expect(read).toHaveLength(sent.length);
    expect(byKey(read)).toEqual(byKey(sent));
  });
});

import { parsePrometheus, testInfra, uniqueGroupId, uniqueTopicPrefix, type Sample } from '@tailstream/test-harness';
import { createLogger } from '@tailstream/telemetry';
import type { Admin, Kafka, Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { createKafka } from './client';
import { PartitionedConsumer, type PartitionBatch } from './consumer';

const logger = createLogger({ name: 'test', level: 'silent' });

async function waitFor<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!ok(value)) {
    if (Date.now() > deadline) throw new Error(`${what}: still ${JSON.stringify(value)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  return value;
}

/**
 * The broker side of one describe block: a client, an admin and a producer connected before its
 * tests, and the topics it creates (through `createTopic`) deleted after them.
 */
function brokerFixture(clientId: string) {
  const fx = { kafka: undefined as unknown as Kafka, admin: undefined as unknown as Admin, producer: undefined as unknown as Producer };
  const created: string[] = [];
  beforeAll(async () => {
    fx.kafka = createKafka({ brokers: testInfra().kafkaBrokers.split(','), clientId }, logger);
    fx.admin = fx.kafka.admin();
    await fx.admin.connect();
    fx.producer = fx.kafka.producer({ allowAutoTopicCreation: false });
    await fx.producer.connect();
  });
  afterAll(async () => {
    await fx.producer.disconnect();
    if (created.length > 0) await fx.admin.deleteTopics({ topics: created }).catch(() => undefined);
    await fx.admin.disconnect();
  });
  return Object.assign(fx, {
    async createTopic(topic: string, numPartitions: number): Promise<void> {
      await fx.admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions, replicationFactor: 1 }] });
      created.push(topic);
    },
  });
}

describe('PartitionedConsumer lag gauge on a real broker', () => {
  const broker = brokerFixture('consumer-test');
  const prefix = uniqueTopicPrefix('consumer-lag');

  async function produce(topic: string, from: number, count: number): Promise<void> {
    await broker.producer.send({ topic, acks: -1, messages: Array.from({ length: count }, (_, i) => ({ partition: 0, value: `m-${from + i}` })) });
  }

  it('shows the messages a blocked handler has not handled, and new ones, before the next fetch; ~0 once caught up', async () => {
    const topic = `${prefix}in`;
    await broker.createTopic(topic, 1);
    await produce(topic, 0, 40);

    const registry = new Registry();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let firstBatchStarted!: () => void;
    const firstBatch = new Promise<void>((resolve) => (firstBatchStarted = resolve));
    const handled: string[] = [];
    const consumer = new PartitionedConsumer(broker.kafka, {
      groupId: uniqueGroupId('consumer-lag'),
      topics: [topic],
      logger,
      registry,
      metricPrefix: 'test',
      lagRefreshMs: 300,
      handler: {
        handleBatch: async (batch: PartitionBatch) => {
          if (handled.length === 0) {
            firstBatchStarted();
            await released;
          }
          for (const m of batch.messages) handled.push(m.value?.toString() ?? '');
        },
      },
    });
    const lagSamples = async (): Promise<Sample[]> =>
      parsePrometheus(await registry.metrics()).filter((s) => s.name === 'test_consumer_lag_messages' && s.labels.topic === topic);
    const lag = async (): Promise<number | undefined> => (await lagSamples()).find((s) => s.labels.partition === '0')?.value;

    await consumer.start();
    try {
      await firstBatch;
      // the first batch is being handled: none of the 40 counts as handled yet
      expect(await waitFor('lag while the first batch is blocked', lag, (v) => v === 40, 5000)).toBe(40);
      // written while the handler is blocked: no fetch sees them, only the broker's high watermark
      await produce(topic, 40, 25);
      expect(await waitFor('lag after more messages arrived', lag, (v) => v === 65, 5000)).toBe(65);
      expect(handled).toEqual([]);

      release();
      await waitFor('messages handled', async () => handled.length, (n) => n === 65, 30_000);
      expect(handled).toEqual(Array.from({ length: 65 }, (_, i) => `m-${i}`));
      expect(await waitFor('lag once caught up', lag, (v) => v === 0, 5000)).toBe(0);

      // caught up and idle: a new message shows up through the refresh or its fetch, then drains
      await produce(topic, 65, 3);
      await waitFor('messages handled', async () => handled.length, (n) => n === 68, 30_000);
      expect(await waitFor('lag once caught up again', lag, (v) => v === 0, 5000)).toBe(0);
    } finally {
      release();
      await consumer.stop();
    }
    // stop() revokes every partition: its series is gone
    expect(await lagSamples()).toEqual([]);
  });

  it('with the refresh off, keeps the batch-time gauge (no admin client)', async () => {
    const topic = `${prefix}off`;
    await broker.createTopic(topic, 1);
    await produce(topic, 0, 10);
    const registry = new Registry();
    let count = 0;
    const consumer = new PartitionedConsumer(broker.kafka, {
      groupId: uniqueGroupId('consumer-lag-off'),
      topics: [topic],
      logger,
      registry,
      metricPrefix: 'test',
      lagRefreshMs: 0,
      handler: {
        handleBatch: async (batch: PartitionBatch) => {
          count += batch.messages.length;
        },
      },
    });
    await consumer.start();
    try {
      await waitFor('messages handled', async () => count, (n) => n === 10, 30_000);
      const samples = parsePrometheus(await registry.metrics()).filter((s) => s.name === 'test_consumer_lag_messages' && s.labels.topic === topic);
      expect(samples.map((s) => [s.labels.partition, s.value])).toEqual([['0', 0]]);
    } finally {
      await consumer.stop();
    }
  });
});

describe('PartitionedConsumer after kafkajs crashes it', () => {
  const broker = brokerFixture('consumer-crash-test');
  const topic = `${uniqueTopicPrefix('consumer-crash')}in`;
  beforeAll(() => broker.createTopic(topic, 1));

  const produce = (values: string[]) => broker.producer.send({ topic, acks: -1, messages: values.map((value) => ({ partition: 0, value })) });
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m-${from + i}`);

  it('is not ready until the restart rejoins; the partition stays assigned and is read again from the last commit', async () => {
    await produce(range(0, 10));
    const registry = new Registry();
    const events: string[] = [];
    /** What the handler holds for the partition since it was assigned, like a worker's buffers. */
    let held: string[] = [];
    let failing = true;
    const runningWhileFailing: boolean[] = [];
    const consumer: PartitionedConsumer = new PartitionedConsumer(broker.kafka, {
      groupId: uniqueGroupId('consumer-crash'),
      topics: [topic],
      logger,
      registry,
      metricPrefix: 'test',
      lagRefreshMs: 0,
      retries: 1,
      handler: {
        onAssigned: async () => {
          events.push('assigned');
          held = [];
        },
        onRevoked: async () => {
          events.push('revoked');
        },
        handleBatch: async (batch: PartitionBatch) => {
          const values = batch.messages.map((m) => m.value?.toString() ?? '');
          // a batch that fails every time until kafkajs's retries run out and it crashes the consumer
          if (failing && values.includes('m-12')) {
            if (consumer.crashes > 0) {
              // handled by the restarted consumer, before its rejoin was seen as complete or after
              runningWhileFailing.push(consumer.isRunning);
              failing = false;
            }
            throw new Error('handler failed on m-12');
          }
          held.push(...values);
          const last = batch.messages[batch.messages.length - 1]!;
          await consumer.commit(batch.topic, batch.partition, BigInt(last.offset) + 1n);
        },
      },
    });
    await consumer.start();
    try {
      await waitFor('first messages handled and committed', async () => held.length, (n) => n === 10, 30_000);
      expect(consumer.isRunning).toBe(true);
      await produce(range(10, 15));
      await waitFor('the crash', async () => consumer.crashes, (n) => n >= 1, 60_000);
      await waitFor('messages after the restart', async () => held.length, (n) => n === 15, 60_000);
      await waitFor('ready again', async () => consumer.isRunning, (v) => v, 30_000);

      // the partition stayed with the handler (as over a rebalance that keeps it): no revoke, no new assignment
      expect(events).toEqual(['assigned']);
      // read again from the last commit (offset 10): the failed batch's messages, each once
      expect(held).toEqual(range(0, 15));
      expect(runningWhileFailing.length).toBe(1);
      expect(consumer.isAlive).toBe(true);
      const crashes = parsePrometheus(await registry.metrics()).filter((x) => x.name === 'test_consumer_crashes_total');
      expect(crashes.map((x) => [x.labels.restart, x.value])).toEqual([['true', consumer.crashes]]);
    } finally {
      await consumer.stop();
    }
  });
});

describe('PartitionedConsumer over a rebalance that keeps a partition', () => {
  const broker = brokerFixture('consumer-keep-test');
  const topic = `${uniqueTopicPrefix('consumer-keep')}in`;
  beforeAll(() => broker.createTopic(topic, 2));

  // What handlers rely on (the sampler skips records below what it handled, RED rewinds, the
  // loader skips what it holds): kafkajs reads a partition it keeps again from the last commit.
  it('hands the kept partition its records again from the last commit, without revoking it', async () => {
    for (const partition of [0, 1]) {
      await broker.producer.send({ topic, acks: -1, messages: Array.from({ length: 5 }, (_, i) => ({ partition, value: `p${partition}-${i}` })) });
    }
    const groupId = uniqueGroupId('consumer-keep');
    const seenByA: string[] = [];
    const eventsA: string[] = [];
    const a: PartitionedConsumer = new PartitionedConsumer(broker.kafka, {
      groupId,
      topics: [topic],
      logger,
      lagRefreshMs: 0,
      handler: {
        onAssigned: async (_t, partition) => void eventsA.push(`assigned ${partition}`),
        onRevoked: async (_t, partition) => void eventsA.push(`revoked ${partition}`),
        // nothing is committed: everything stays to be read again from the start
        handleBatch: async (batch: PartitionBatch) => void seenByA.push(...batch.messages.map((m) => m.value?.toString() ?? '')),
      },
    });
    const seenByB: string[] = [];
    const b = new PartitionedConsumer(broker.kafka, {
      groupId,
      topics: [topic],
      logger,
      lagRefreshMs: 0,
      handler: { handleBatch: async (batch: PartitionBatch) => void seenByB.push(...batch.messages.map((m) => m.value?.toString() ?? '')) },
    });
    await a.start();
    try {
      await waitFor('A handled both partitions', async () => seenByA.length, (n) => n === 10, 30_000);
      await b.start();
      await waitFor('B handled its partition', async () => seenByB.length, (n) => n >= 5, 60_000);
      const kept = Number(a.assignment[0]!.split(':').pop());
      const lost = 1 - kept;
      const keptValues = Array.from({ length: 5 }, (_, i) => `p${kept}-${i}`);
      await waitFor('A read its kept partition again', async () => seenByA.filter((v) => keptValues.includes(v)).length, (n) => n >= 10, 30_000);
      expect(a.assignment).toEqual([`${topic}:${kept}`]);
      // the lost partition was revoked; the kept one was neither revoked nor assigned again
      expect([...eventsA].sort()).toEqual(['assigned 0', 'assigned 1', `revoked ${lost}`]);
      expect(seenByA.slice(10).filter((v) => keptValues.includes(v)).slice(0, 5)).toEqual(keptValues);
    } finally {
      await b.stop();
      await a.stop();
    }
  }, 120_000);
});

describe('PartitionedConsumer fetch sizes', () => {
  const broker = brokerFixture('consumer-fetch-size');
  const prefix = uniqueTopicPrefix('consumer-fetch');

  /** Reads the topic's 40 records (each its own 2 KB record batch) and returns the sizes of the batches handed over. */
  async function batchSizes(topic: string, options: { maxBytesPerPartition?: number; maxBytes?: number }): Promise<number[]> {
    const sizes: number[] = [];
    let handled = 0;
    const consumer = new PartitionedConsumer(broker.kafka, {
      groupId: uniqueGroupId('consumer-fetch'),
      topics: [topic],
      logger,
      lagRefreshMs: 0,
      ...options,
      handler: {
        handleBatch: async (batch: PartitionBatch) => {
          sizes.push(batch.messages.length);
          handled += batch.messages.length;
        },
      },
    });
    await consumer.start();
    try {
      await waitFor('records handled', async () => handled, (n) => n >= 40, 30_000);
    } finally {
      await consumer.stop();
    }
    return sizes;
  }

  it('passes maxBytesPerPartition and maxBytes to the fetches', async () => {
    const topic = `${prefix}in`;
    await broker.createTopic(topic, 1);
    const value = 'x'.repeat(2000);
    // one send per record: 40 record batches of about 2 KB (a fetch returns whole batches)
    for (let i = 0; i < 40; i++) await broker.producer.send({ topic, acks: -1, messages: [{ partition: 0, value }] });

    const byDefault = await batchSizes(topic, {});
    expect(byDefault.reduce((a, b) => a + b, 0)).toBe(40);
    // 80 KB fits the defaults (4 MiB per partition) several times over: one fetch, at most two
    expect(byDefault.length).toBeLessThanOrEqual(2);

    const smallPartition = await batchSizes(topic, { maxBytesPerPartition: 8 * 1024 });
    expect(smallPartition.reduce((a, b) => a + b, 0)).toBe(40);
    // about four 2 KB batches per 8 KB fetch
    expect(Math.max(...smallPartition)).toBeLessThanOrEqual(5);
    expect(smallPartition.length).toBeGreaterThanOrEqual(8);

    const smallTotal = await batchSizes(topic, { maxBytes: 8 * 1024 });
    expect(smallTotal.reduce((a, b) => a + b, 0)).toBe(40);
    expect(Math.max(...smallTotal)).toBeLessThanOrEqual(5);
  });
});

import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { freePort, metricSum, parsePrometheus, readMessages, testInfra, uniqueTopicPrefix } from '@tailstream/test-harness';
import { createLogger } from '@tailstream/telemetry';
import type { Admin, Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { createKafka } from './client';
import { KafkaWriteError } from './errors';
import { BatchingProducer } from './producer';

const logger = createLogger({ name: 'test', level: 'silent' });

/** The kafkajs protocol error type somewhere in an error's cause chain (e.g. MESSAGE_TOO_LARGE). */
function protocolType(error: unknown): string | undefined {
  for (let e = error as { type?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    if (typeof e.type === 'string') return e.type;
  }
  return undefined;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Every record of `topic` (single partition) as a UTF-8 string (values above 1 KB as `<N bytes>`). */
async function readAll(kafka: Kafka, admin: Admin, topic: string): Promise<string[]> {
  const [end] = await admin.fetchTopicOffsets(topic);
  const messages = await readMessages(kafka, topic, Number(end?.high ?? 0), 30_000);
  return messages.map((m) => {
    const v = m.value ?? Buffer.alloc(0);
    return v.length > 1024 ? `<${v.length} bytes>` : v.toString();
  });
}

/**
 * A TCP proxy to the broker used as the bootstrap address: while it is down, a new kafkajs producer
 * cannot connect (it bootstraps through it), while an existing one still reaches the leader directly.
 */
async function bootstrapProxy(target: string): Promise<{ address: string; up(): Promise<void>; down(): Promise<void> }> {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const listenPort = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const down = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
  };
  const up = async (): Promise<void> => {
    const s = createServer((client) => {
      const upstream = createConnection({ host, port });
      sockets.add(client).add(upstream);
      client.pipe(upstream).pipe(client);
      const end = (): void => {
        client.destroy();
        upstream.destroy();
        sockets.delete(client);
        sockets.delete(upstream);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
    });
    await new Promise<void>((resolve) => s.listen(listenPort, '127.0.0.1', () => resolve()));
    server = s;
  };
  await up();
  return { address: `127.0.0.1:${listenPort}`, up, down };
}

describe('BatchingProducer after a batch the broker refused (kafkajs idempotent sequence, tulios/kafkajs#598)', () => {
  let kafka: Kafka;
  let admin: Admin;
  const prefix = uniqueTopicPrefix('producer');
  const created: string[] = [];
  let n = 0;

  /** A topic that refuses record batches above 20,000 bytes and a normal one, one partition each. */
  async function topicPair(): Promise<{ small: string; normal: string }> {
    n += 1;
    const small = `${prefix}small-${n}`;
    const normal = `${prefix}normal-${n}`;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: small, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: '20000' }] },
        { topic: normal, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    created.push(small, normal);
    return { small, normal };
  }

  beforeAll(async () => {
    kafka = createKafka({ brokers: testInfra().kafkaBrokers.split(','), clientId: 'producer-test' }, logger);
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    if (created.length > 0) await admin.deleteTopics({ topics: created }).catch(() => undefined);
    await admin.disconnect();
  });

  it('stock kafkajs: one refused partition in a request leaves the others with a rolled-back sequence, and they fail for good', async () => {
    // The bug itself, on a bare kafkajs idempotent producer. kafkajs sends all partitions led by one
    // broker in one Produce request and, when the request fails, rolls back the sequence numbers of
    // ALL its partitions, also those the broker wrote. The next batch to such a partition reuses a
    // sequence the broker already has: OUT_OF_ORDER_SEQUENCE_NUMBER, again and again.
    const { small, normal } = await topicPair();
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      const first = await rejectionOf(
        producer.sendBatch({
          acks: -1,
          topicMessages: [
            { topic: small, messages: [{ value: Buffer.alloc(60_000, 1) }] },
            { topic: normal, messages: [{ value: 'a' }, { value: 'b' }] },
          ],
        }),
      );
      expect(protocolType(first)).toBe('MESSAGE_TOO_LARGE');
      for (let i = 0; i < 3; i++) {
        const later = await rejectionOf(producer.send({ topic: normal, acks: -1, messages: [{ value: `later-${i}` }] }));
        expect(protocolType(later)).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
      }
      // the broker did write the normal partition's part of the refused request
      expect(await readAll(kafka, admin, normal)).toEqual(['a', 'b']);
    } finally {
      await producer.disconnect();
    }
  });

  it('recreates its kafkajs producer after the refused batch, so later batches to every topic are acknowledged', async () => {
    const { small, normal } = await topicPair();
    const registry = new Registry();
    const producer = new BatchingProducer(kafka, { lingerMs: 50, registry, metricPrefix: 'test', logger });
    await producer.connect();
    try {
      // one sendBatch (same linger window): the oversized record to `small`, small ones to `normal`
      const big = producer.send(small, { key: null, value: Buffer.alloc(60_000, 1) });
      const before = producer.sendAll(normal, ['before-0', 'before-1'].map((v) => ({ key: null, value: Buffer.from(v) })));
      const bigError = await rejectionOf(big);
      expect(bigError).toBeInstanceOf(KafkaWriteError);
      expect((bigError as KafkaWriteError).retryable).toBe(false);
      expect(protocolType(bigError)).toBe('MESSAGE_TOO_LARGE');
      // the whole batch's callers are rejected (they replay from their commits)
      expect(await rejectionOf(before)).toBe(bigError);

      for (let round = 0; round < 3; round++) {
        await Promise.all([
          producer.sendAll(normal, [0, 1, 2].map((i) => ({ key: null, value: Buffer.from(`after-${round}-${i}`) }))),
          producer.send(small, { key: null, value: Buffer.from(`small-${round}`) }),
        ]);
      }
      expect(producer.isConnected).toBe(true);

      const samples = parsePrometheus(await registry.metrics());
      expect(metricSum(samples, 'test_kafka_producer_recreated_total')).toBe(1);
      expect(metricSum(samples, 'test_kafka_producer_recreated_total', { reason: 'MESSAGE_TOO_LARGE' })).toBe(1);
      expect(metricSum(samples, 'test_kafka_produce_errors_total')).toBe(1);
      expect(metricSum(samples, 'test_kafka_messages_produced_total')).toBe(12);

      // the broker wrote the normal partition's part of the refused batch (a replay would repeat it)
      expect(await readAll(kafka, admin, normal)).toEqual([
        'before-0',
        'before-1',
        ...[0, 1, 2].flatMap((round) => [0, 1, 2].map((i) => `after-${round}-${i}`)),
      ]);
      expect(await readAll(kafka, admin, small)).toEqual(['small-0', 'small-1', 'small-2']);
    } finally {
      await producer.close();
    }
    expect(producer.isConnected).toBe(false);
  });

  it('an oversized record alone is refused, the producer is recreated and goes on', async () => {
    const { small } = await topicPair();
    const registry = new Registry();
    const producer = new BatchingProducer(kafka, { lingerMs: 5, registry, metricPrefix: 'test', logger });
    await producer.connect();
    try {
      expect(protocolType(await rejectionOf(producer.send(small, { key: 'k', value: Buffer.alloc(60_000, 2) })))).toBe('MESSAGE_TOO_LARGE');
      await producer.sendAll(small, ['x', 'y'].map((v) => ({ key: 'k', value: Buffer.from(v) })));
      expect(metricSum(parsePrometheus(await registry.metrics()), 'test_kafka_producer_recreated_total', { reason: 'MESSAGE_TOO_LARGE' })).toBe(1);
      expect(await readAll(kafka, admin, small)).toEqual(['x', 'y']);
    } finally {
      await producer.close();
    }
  });

  it('close() right after a refused batch settles every pending send and disconnects', async () => {
    const { small, normal } = await topicPair();
    const producer = new BatchingProducer(kafka, { lingerMs: 5, logger });
    await producer.connect();
    const big = producer.send(small, { key: null, value: Buffer.alloc(60_000, 3) });
    const other = producer.send(normal, { key: null, value: Buffer.from('same-batch') });
    // queued while the first batch is in flight: sent by the recreated producer, or refused as closed
    await new Promise((resolve) => setTimeout(resolve, 10));
    const queued = producer.send(normal, { key: null, value: Buffer.from('queued') });
    await producer.close();
    expect(producer.isConnected).toBe(false);
    const settled = await Promise.allSettled([big, other, queued]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', expect.stringMatching(/^(fulfilled|rejected)$/)]);
    await expect(producer.send(normal, { key: null, value: Buffer.from('late') })).rejects.toMatchObject({ code: 'PRODUCER_CLOSED' });
    const onTopic = await readAll(kafka, admin, normal);
    expect(onTopic.filter((v) => v === 'queued')).toHaveLength(settled[2]?.status === 'fulfilled' ? 1 : 0);
  });

  it('when a new producer cannot connect: bounded retries, queued sends refused as retryable, recovered by a later send', async () => {
    const { small, normal } = await topicPair();
    const proxy = await bootstrapProxy(testInfra().kafkaBrokers.split(',')[0] ?? '');
    // one kafkajs-level retry (the least an idempotent producer takes): each of our attempts fails fast while the proxy is down
    const viaProxy = createKafka({ brokers: [proxy.address], clientId: 'producer-test-proxy', retries: 1, connectionTimeoutMs: 1000 }, logger);
    const registry = new Registry();
    const recreated = async (): Promise<number> => metricSum(parsePrometheus(await registry.metrics()), 'test_kafka_producer_recreated_total');
    let producer: BatchingProducer | undefined;
    try {
      producer = new BatchingProducer(viaProxy, { lingerMs: 5, registry, metricPrefix: 'test', logger });
      await producer.connect();
      await producer.send(normal, { key: null, value: Buffer.from('first') });
      await proxy.down();

      expect(protocolType(await rejectionOf(producer.send(small, { key: null, value: Buffer.alloc(60_000, 4) })))).toBe('MESSAGE_TOO_LARGE');
      expect(producer.isConnected).toBe(false);
      const started = Date.now();
      const during = await rejectionOf(producer.send(normal, { key: null, value: Buffer.from('during') }));
      expect(during).toBeInstanceOf(KafkaWriteError);
      expect((during as KafkaWriteError).retryable).toBe(true);
      expect((during as Error).message).toContain('could not be recreated after MESSAGE_TOO_LARGE');
      // 5 attempts with 250, 500, 1000, 2000 ms between them
      expect(Date.now() - started).toBeGreaterThanOrEqual(3500);
      expect(producer.isConnected).toBe(false);
      expect(await recreated()).toBe(0);

      await proxy.up();
      await producer.send(normal, { key: null, value: Buffer.from('after') });
      expect(producer.isConnected).toBe(true);
      expect(await recreated()).toBe(1);
      expect(await readAll(kafka, admin, normal)).toEqual(['first', 'after']);
    } finally {
      await producer?.close();
      await proxy.down();
    }
  });

  it('close() during the reconnect backoff returns promptly and refuses what is queued as closed', async () => {
    const { small, normal } = await topicPair();
    const proxy = await bootstrapProxy(testInfra().kafkaBrokers.split(',')[0] ?? '');
    const viaProxy = createKafka({ brokers: [proxy.address], clientId: 'producer-test-proxy', retries: 1, connectionTimeoutMs: 1000 }, logger);
    let producer: BatchingProducer | undefined;
    try {
      producer = new BatchingProducer(viaProxy, { lingerMs: 5, logger });
      await producer.connect();
      await proxy.down();
      await rejectionOf(producer.send(small, { key: null, value: Buffer.alloc(60_000, 5) }));
      const pending = producer.send(normal, { key: null, value: Buffer.from('pending') });
      await new Promise((resolve) => setTimeout(resolve, 600)); // in the backoff between attempts
      const started = Date.now();
      await producer.close();
      expect(Date.now() - started).toBeLessThan(1500);
      await expect(pending).rejects.toMatchObject({ code: 'PRODUCER_CLOSED' });
      expect(producer.isConnected).toBe(false);
      expect(await readAll(kafka, admin, normal)).toEqual([]);
    } finally {
      await producer?.close();
      await proxy.down();
    }
  });
});

import { MemoryBudget } from '@tailstream/assembly';
import {
  BatchingProducer,
  BatchMemoryPool,
  createKafka,
  DeadLetterWriter,
  ensureTopics,
  fetchCommitted,
  PartitionedConsumer,
  topicNames,
  useSnappyOutputPool,
} from '@tailstream/kafka';
import { startRuntime, type Logger } from '@tailstream/telemetry';
import type { SamplerConfig } from './config';
import { DecisionCache } from './decision-cache';
import { DecisionsTailer } from './decisions-tailer';
import { DecisionEmitter } from './emitter';
import { createSamplerMetrics, registerBatchMemoryMetrics } from './metrics';
import { PolicyHolder } from './policy-holder';
import { SamplerHandler } from './sampler-handler';

export interface RunningSampler {
  opsPort: number;
  handler: SamplerHandler;
  policies: PolicyHolder;
  /** Ordered graceful shutdown: stop consuming (buffers dropped, commits already safe), flush output, close. */
  stop: () => Promise<void>;
}

/** Starts the tail-sampler with a validated config. */
export async function startSampler(config: SamplerConfig, options: { logger?: Logger } = {}): Promise<RunningSampler> {
  const rt = await startRuntime({ name: 'tail-sampler', log: config.log, http: config.ops, logger: options.logger });
  const { logger, registry, ops, shutdown } = rt;
  const metrics = createSamplerMetrics(registry);
  const topics = topicNames(config.kafka.topicPrefix);
  const kafka = createKafka({ ...config.kafka, clientId: `${config.kafka.clientId}-sampler` }, logger);
  if (config.topics.create) {
    await ensureTopics(kafka, { prefix: config.kafka.topicPrefix, partitions: config.topics.partitions, replicationFactor: config.topics.replicationFactor });
  }

  const policies = new PolicyHolder(config.policy.file, metrics, logger.child({ component: 'policies' }));
  policies.watch(config.policy.reloadIntervalMs);

  const producer = new BatchingProducer(kafka, {
    lingerMs: config.output.lingerMs,
    compression: config.output.compression,
    registry,
    metricPrefix: 'tailstream_sampler',
    logger: logger.child({ component: 'producer' }),
  });
  await producer.connect();
  // Decompressed batches go into reused memory, handed back by the consumers and the trace buffers once nothing reads it.
  const memoryPool = config.memory.reuseBatchMemory ? useSnappyOutputPool(new BatchMemoryPool()) : undefined;
  if (memoryPool) registerBatchMemoryMetrics(registry, memoryPool);
  const cache = new DecisionCache(config.decisionCache.maxEntries);
  const tailer = new DecisionsTailer(kafka, topics.decisions, cache, logger.child({ component: 'decisions' }), config.groupId, memoryPool);
  await tailer.start();
  const emitter = new DecisionEmitter(producer, topics, cache, metrics, config.output.maxSpansPerMessage);
  const admin = kafka.admin();
  await admin.connect();
  const budget = new MemoryBudget({ maxBufferedSpans: config.memory.maxBufferedSpans, maxBufferedBytes: config.memory.maxBufferedBytes }, memoryPool);

  // The handler commits through the consumer, which is created with the handler: a late-bound reference.
  const bound: { consumer?: PartitionedConsumer } = {};
  const handler = new SamplerHandler({
    cache,
    tailer,
    emitter,
    policies,
    deadLetters: new DeadLetterWriter(producer, topics.deadLetter, 'tail-sampler'),
    metrics,
    logger: logger.child({ component: 'sampler' }),
    budget,
    bufferConfig: () => ({
      decisionWaitMs: config.decision.waitMs ?? policies.file.decisionWaitMs ?? 30000,
      decisionWaitAfterRootMs: config.decision.waitAfterRootMs ?? policies.file.decisionWaitAfterRootMs ?? 5000,
      maxSpansPerTrace: config.decision.maxSpansPerTrace,
      maxBytesPerTrace: Math.min(config.decision.maxBytesPerTrace, policies.file.maxBytesPerTrace ?? Infinity),
      detachAfterMs: config.memory.detachAfterMs,
    }),
    committedMetadata: async (topic, partition) => (await fetchCommitted(kafka, config.groupId, topic)).get(partition)?.metadata ?? null,
    commit: (topic, partition, offset, metadata) => bound.consumer!.commit(topic, partition, offset, metadata),
    seek: (topic, partition, offset) => bound.consumer!.seek(topic, partition, offset),
    highWatermarks: async (topic) => {
      const offsets = await admin.fetchTopicOffsets(topic);
      return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    },
    idleAdvanceMs: config.decision.idleAdvanceMs,
    catchUpTimeoutMs: config.decisionCache.catchUpTimeoutMs,
  });
  const consumer = new PartitionedConsumer(kafka, {
    groupId: config.groupId,
    topics: [topics.spans],
    handler,
    logger: logger.child({ component: 'consumer' }),
    registry,
    metricPrefix: 'tailstream_sampler',
    partitionsConsumedConcurrently: config.consumer.partitionsConcurrently,
    maxBytesPerPartition: config.consumer.maxBytesPerPartition,
    maxBytes: config.consumer.maxBytes,
    memoryPool,
  });
  await consumer.start();
  bound.consumer = consumer;
  ops.addReadinessCheck('kafka_consumer', () => consumer.isRunning);
  ops.addLivenessCheck('kafka_consumer', () => consumer.isAlive);
  ops.addReadinessCheck('kafka_producer', () => producer.isConnected);

  let ticking: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (ticking) return;
    ticking = handler
      .tick()
      .catch((error: unknown) => logger.error({ err: error }, 'decision tick failed'))
      .finally(() => (ticking = undefined));
  }, config.decision.tickMs);

  shutdown.add('stop the decision timer', async () => {
    clearInterval(timer);
    await ticking;
  });
  shutdown.add('stop consuming (undecided traces are replayed by the next owner)', () => consumer.stop());
  shutdown.add('stop policy reloads', () => policies.stop());
  shutdown.add('flush and close the producer', () => producer.close());
  shutdown.add('stop following decisions', () => tailer.stop());
  shutdown.add('close the admin client', () => admin.disconnect());
  rt.finish();
  logger.info({ group: config.groupId, topic: topics.spans, policyVersion: policies.version }, 'tail-sampler started');
  return { opsPort: rt.opsPort, handler, policies, stop: () => shutdown.run('stop requested') };
}

import { BatchingProducer, createKafka, DeadLetterWriter, ensureTopics, fetchCommitted, PartitionedConsumer, topicNames } from '@tailstream/kafka';
import { anyValueAsString, getAttributes } from '@tailstream/otlp';
import { RedAggregator } from '@tailstream/red';
import { createClickHouse, migrate, OTEL_TRACES_TABLE, TRACE_SUMMARIES_TABLE, type ClickHouse } from '@tailstream/store';
import { startRuntime, type Logger } from '@tailstream/telemetry';
import type { AggregatorConfig } from './config';
import { withKillAfterInserts } from './fault-injection';
import { createAggregatorMetrics } from './metrics';
import { queryRoute } from './query-route';
import { RedPipeline } from './red-pipeline';
import { otelRowsOf, summaryRowsOf } from './row-mappers';
import { TableLoader } from './table-loader';

export interface RunningAggregator {
  opsPort: number;
  clickhouse: ClickHouse;
  /** Ordered graceful shutdown: stop timers, insert and commit what is buffered, stop consumers, close ClickHouse. */
  stop: () => Promise<void>;
}

/** Starts the aggregator with a validated config. */
export async function startAggregator(config: AggregatorConfig, options: { logger?: Logger } = {}): Promise<RunningAggregator> {
  const rt = await startRuntime({ name: 'aggregator', log: config.log, http: config.ops, logger: options.logger });
  const { logger, registry, ops, shutdown } = rt;
  const metrics = createAggregatorMetrics(registry);
  const topics = topicNames(config.kafka.topicPrefix);

  const store = createClickHouse({
    database: config.clickhouse.database,
    url: config.clickhouse.url || undefined,
    username: config.clickhouse.username,
    password: config.clickhouse.password,
    embeddedPath: config.clickhouse.dataPath,
  });
  if (config.migrate) {
    const applied = await migrate(store, { database: config.clickhouse.database, ttlDays: config.clickhouse.ttlDays });
    if (applied.length > 0) logger.info({ applied: applied.map((m) => m.name) }, 'applied ClickHouse migrations');
  }
  // Inserts of the pipelines go through the (test-only, normally absent) fault injection.
  const ch = withKillAfterInserts(store, config.fault);
  if (config.ops.queryEndpoint) ops.addRoute('/query', queryRoute(store));
  logger.info({ clickhouse: config.clickhouse.url || `embedded chdb at ${config.clickhouse.dataPath}`, database: config.clickhouse.database }, 'ClickHouse ready');

  const kafka = createKafka({ ...config.kafka, clientId: `${config.kafka.clientId}-aggregator` }, logger);
  if (config.topics.create) {
    await ensureTopics(kafka, { prefix: config.kafka.topicPrefix, partitions: config.topics.partitions, replicationFactor: config.topics.replicationFactor });
  }
  const producer = new BatchingProducer(kafka, { registry, metricPrefix: 'tailstream_aggregator', logger: logger.child({ component: 'producer' }) });
  await producer.connect();
  const deadLetters = new DeadLetterWriter(producer, topics.deadLetter, 'aggregator');
  const retry = config.retry;
  const consumers: PartitionedConsumer[] = [];
  const timers: NodeJS.Timeout[] = [];

  const consume = async (suffix: string, topic: string, handler: ConstructorParameters<typeof PartitionedConsumer>[1]['handler']) => {
    const consumer: PartitionedConsumer = new PartitionedConsumer(kafka, {
      groupId: `${config.groupId}-${suffix}`,
      topics: [topic],
      handler,
      logger: logger.child({ component: `consumer-${suffix}` }),
      registry,
      metricPrefix: `tailstream_aggregator_${suffix}`,
      sessionTimeoutMs: config.consumer.sessionTimeoutMs,
    });
    consumers.push(consumer);
    await consumer.start();
    ops.addReadinessCheck(`kafka_consumer_${suffix}`, () => consumer.isRunning);
    ops.addLivenessCheck(`kafka_consumer_${suffix}`, () => consumer.isAlive);
    return consumer;
  };
  // Handlers commit through their consumer, which is created with the handler: a late-bound reference.
  const commitVia = (bound: { consumer?: PartitionedConsumer }) => (topic: string, partition: number, offset: bigint, metadata?: string) =>
    bound.consumer!.commit(topic, partition, offset, metadata);

  let red: RedPipeline | undefined;
  if (config.red.enabled) {
    const aggregator = new RedAggregator({
      bucketSeconds: config.red.bucketSeconds,
      allowedLatenessSeconds: config.red.allowedLatenessSeconds,
      histogramBoundsMs: config.red.histogramBoundsMs,
      extraDimensions: config.red.extraDimensions,
      attributeReader: config.red.extraDimensions.length > 0 ? { getAttributes: (buf, keys) => otlpStringAttributes(buf, keys) } : undefined,
      maxSeriesPerService: config.red.maxSeriesPerService,
      epochMaxMessages: config.red.epochMaxMessages,
      serviceGraph: { enabled: config.red.serviceGraph },
    });
    const bound: { consumer?: PartitionedConsumer } = {};
    const groupId = `${config.groupId}-red`;
    red = new RedPipeline(aggregator, ch, {
      metrics,
      logger: logger.child({ component: 'red' }),
      retry,
      deadLetters,
      idleFlushMs: config.red.idleFlushMs,
      committedOffset: async (topic, partition) => {
        const c = (await fetchCommitted(kafka, groupId, topic)).get(partition);
        return c && c.offset >= 0n ? c : undefined;
      },
      commit: commitVia(bound),
      seek: (topic, partition, offset) => bound.consumer!.seek(topic, partition, offset),
    });
    bound.consumer = await consume('red', topics.spans, red);
    const redRef = red;
    timers.push(setInterval(() => void redRef.flushIdle().catch((error: unknown) => logger.error({ err: error }, 'idle RED flush failed')), 1000));
  }

  const loaders: TableLoader[] = [];
  for (const [suffix, topic, table, mapper, limits] of [
    ['spans', topics.sampledSpans, OTEL_TRACES_TABLE, otelRowsOf, config.spans],
    ['summaries', topics.traceSummaries, TRACE_SUMMARIES_TABLE, summaryRowsOf, config.summaries],
  ] as const) {
    const bound: { consumer?: PartitionedConsumer } = {};
    const loaderGroup = `${config.groupId}-${suffix}`;
    const loader = new TableLoader(table, ch, mapper, limits, {
      metrics,
      logger: logger.child({ component: `loader-${suffix}` }),
      retry,
      deadLetters,
      committed: async (topic, partition) => {
        const c = (await fetchCommitted(kafka, loaderGroup, topic)).get(partition);
        return c && c.offset >= 0n ? c : undefined;
      },
      commit: commitVia(bound),
    });
    loaders.push(loader);
    bound.consumer = await consume(suffix, topic, loader);
    timers.push(setInterval(() => void loader.flushDue().catch((error: unknown) => logger.error({ err: error, table }, 'timed flush failed')), Math.max(100, Math.floor(limits.maxDelayMs / 2))));
  }

  shutdown.add('stop timers', () => timers.forEach((t) => clearInterval(t)));
  shutdown.add('insert and commit buffered rows', async () => {
    await red?.flushAll();
    for (const loader of loaders) await loader.flushAll();
  });
  shutdown.add('stop consumers', async () => {
    red?.stop();
    loaders.forEach((l) => l.stop());
    await Promise.all(consumers.map((c) => c.stop()));
  });
  shutdown.add('close the producer', () => producer.close());
  shutdown.add('close ClickHouse', () => store.close());
  // Not ready until here: every pipeline runs (the ops server answers from the first line on).
  rt.finish();
  logger.info({ topics: [topics.spans, topics.sampledSpans, topics.traceSummaries] }, 'aggregator started');
  return { opsPort: rt.opsPort, clickhouse: store, stop: () => shutdown.run('stop requested') };
}

/** Extra RED dimensions: the named attributes as strings (flattened by the Collector's rule). */
function otlpStringAttributes(buf: Buffer, keys: ReadonlySet<string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of getAttributes(buf, keys)) out.set(key, anyValueAsString(value));
  return out;
}

/**
 * Two aggregators in one group while a partition moves, on the real broker and ClickHouse engine:
 * the instance that keeps a partition is handed its records again from the last commit by kafkajs
 * (as after every rebalance), while it still holds them uninserted. Every kept span and summary
 * must land exactly once, and every span must be counted once in RED.
 */
import { createKafka, ensureTopics, topicNames } from '@tailstream/kafka';
import { createLogger } from '@tailstream/telemetry';
import { metricSum, scrapeMetrics, testInfra, uniqueDatabase, uniqueGroupId, uniqueTopicPrefix } from '@tailstream/test-harness';
import type { Kafka } from 'kafkajs';
import { testAggregatorConfig } from './test-support/config';
import { BASE_NS, keptBatchesOf, makeTrace, summaryOf, TEST_BOUNDS_MS } from './test-support/fixtures';
import { redTruth, totalCalls } from './test-support/ground-truth';
import { fullyCommitted, InputProducer, waitUntil } from './test-support/kafka-io';
import { redCalls, spanCounts, summaryCounts, type Query } from './test-support/reads';
import { startAggregator, type RunningAggregator } from './worker';
import { createClickHouse, type ClickHouse } from '@tailstream/store';

const logger = createLogger({ name: 'aggregator-rebalance-it', level: process.env.AGGREGATOR_IT_LOG ?? 'silent' });
const PARTITIONS = 2;
/** No cut by time or size during the test: rows stay held until each instance's shutdown inserts them. */
const HOLD_MS = 600_000;

describe('two aggregators in one group while a partition moves', () => {
  const prefix = uniqueTopicPrefix('aggrebal');
  const topics = topicNames(prefix);
  const groupId = uniqueGroupId('aggrebal');
  const database = uniqueDatabase('agg_rebalance');
  let kafka: Kafka;
  let input: InputProducer;
  const running: RunningAggregator[] = [];
  /** The test's own connection: it outlives both aggregators (the embedded engine is shared in a process). */
  let reader: ClickHouse;

  const start = async (): Promise<RunningAggregator> => {
    const config = testAggregatorConfig(
      { prefix, groupId, database, partitions: PARTITIONS },
      {
        // RED holds its state too: no epoch, idle or watermark flush before the shutdown
        red: { bucketSeconds: 10, histogramBoundsMs: [...TEST_BOUNDS_MS], epochMaxMessages: 100_000, idleFlushMs: HOLD_MS },
        spans: { maxRows: 100_000, maxBytes: 64 << 20, maxDelayMs: HOLD_MS },
        summaries: { maxRows: 100_000, maxBytes: 64 << 20, maxDelayMs: HOLD_MS },
        retry: { initialMs: 100, maxMs: 1000 },
      },
    );
    const c = config.clickhouse;
    reader ??= createClickHouse({ database: c.database, url: c.url || undefined, username: c.username, password: c.password, embeddedPath: c.dataPath });
    const aggregator = await startAggregator(config, { logger });
    running.push(aggregator);
    return aggregator;
  };

  beforeAll(async () => {
    kafka = createKafka({ brokers: testInfra().kafkaBrokers.split(','), clientId: 'aggregator-rebalance-it' }, logger);
    await ensureTopics(kafka, { prefix, partitions: PARTITIONS, replicationFactor: 1 });
    input = new InputProducer(kafka, topics);
    await input.connect();
  });

  afterAll(async () => {
    for (const aggregator of running.splice(0).reverse()) await aggregator.stop();
    await reader?.close();
    await input?.disconnect();
  });

  it('loads every kept span and summary once when the instance that keeps a partition reads it again', async () => {
    const traces = Array.from({ length: 40 }, (_, i) => makeTrace({ seed: 23, index: i, startNs: BASE_NS + BigInt(i) * 250_000_000n, partition: i % PARTITIONS }));
    await input.spans(traces);
    await input.kept(traces.flatMap((t) => keptBatchesOf(t).map((kept) => ({ kept, partition: t.partition }))));
    await input.summaries(traces.map((t) => ({ summary: summaryOf(t), partition: t.partition })));
    const spans = traces.reduce((n, t) => n + t.spans.length, 0);

    const a = await start();
    const loaded = ['otel_traces', 'trace_summaries'];
    const buffered = async (x: RunningAggregator) => {
      const metrics = await scrapeMetrics(x.opsPort);
      return loaded.reduce((n, table) => n + metricSum(metrics, 'tailstream_aggregator_rows_buffered', { table }), 0);
    };
    // A holds every row of both partitions, uninserted and uncommitted
    await waitUntil(async () => (await buffered(a)) === spans + traces.length, 30_000, async () => `A holds ${await buffered(a)} rows`);

    // B joins: one partition moves to B, A keeps the other and kafkajs reads it to A again from the commit
    const b = await start();
    await waitUntil(async () => (await buffered(b)) > 0, 30_000, async () => `B holds ${await buffered(b)} rows`);
    // A gave the moved partitions' rows up, and holds those of the partitions it kept once each
    await waitUntil(async () => (await buffered(a)) < spans + traces.length, 30_000, async () => `A holds ${await buffered(a)} rows: more than the partitions it kept, each once`);

    // A's shutdown inserts and commits what it holds and hands its partitions to B, which has
    // nothing left to read there; B's shutdown inserts the rest
    await a.stop();
    await new Promise((resolve) => setTimeout(resolve, 3000));
    await b.stop();
    running.splice(0);
    expect(await fullyCommitted(kafka, `${groupId}-red`, topics.spans)).toBe(true);
    expect(await fullyCommitted(kafka, `${groupId}-spans`, topics.sampledSpans)).toBe(true);
    expect(await fullyCommitted(kafka, `${groupId}-summaries`, topics.traceSummaries)).toBe(true);
    const query: Query = <T>(sql: string) => reader.query<T>(sql);
    expect(await spanCounts(query, database)).toEqual({ rows: spans, unique: spans, finalRows: spans, finalUnique: spans });
    expect(await summaryCounts(query, database)).toEqual({ rows: traces.length, unique: traces.length, finalRows: traces.length, finalUnique: traces.length });
    // RED: every span counted once, though the instance that kept a partition read it again
    expect(await redCalls(query, database)).toBe(totalCalls(redTruth(traces, 10, TEST_BOUNDS_MS)));
  }, 120_000);
});

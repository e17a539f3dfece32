import { createKafka, ensureTopics, topicNames } from '@tailstream/kafka';
import { StoreError } from '@tailstream/store';
import { createLogger } from '@tailstream/telemetry';
import { testInfra, uniqueDatabase, uniqueGroupId, uniqueTopicPrefix } from '@tailstream/test-harness';
import type { Kafka } from 'kafkajs';
import { testAggregatorConfig } from './test-support/config';
import { BASE_NS, keptBatchesOf, makeTrace, summaryOf, TEST_BOUNDS_MS, type FixtureTrace } from './test-support/fixtures';
import { edgeTruth, redTruth, totalCalls } from './test-support/ground-truth';
import { commitProgress, fullyCommitted, InputProducer, topicRecords, waitUntil } from './test-support/kafka-io';
import { metricSum, scrapeMetrics, type Sample } from '@tailstream/test-harness';
import { diffMaps, readEdges, readRed, redCalls, redFields, spanCounts, summaryCounts, type Query } from './test-support/reads';
import { startAggregator, type RunningAggregator } from './worker';

const logger = createLogger({ name: 'aggregator-outage-it', level: process.env.AGGREGATOR_IT_LOG ?? 'silent' });
const PARTITIONS = 2;
const BUCKET_SECONDS = 10;
const SPANS_MAX_ROWS = 30;
const SUMMARIES_MAX_ROWS = 5;
/** Most spans one kept-span message carries (the fixtures' largest trace). */
const MAX_SPANS_PER_MESSAGE = 7;
/** Tables whose inserts the outage makes fail (the RED rows land in red_metrics through its view). */
const FAILING_TABLES = ['red_metrics', 'otel_traces', 'trace_summaries'];
const bigintJson = (_: string, v: unknown): unknown => (typeof v === 'bigint' ? String(v) : v);

describe('aggregator while ClickHouse refuses inserts for a while', () => {
  const brokers = testInfra().kafkaBrokers;
  const prefix = uniqueTopicPrefix('aggout');
  const topics = topicNames(prefix);
  const groupId = uniqueGroupId('aggout');
  const database = uniqueDatabase('agg_outage');
  let kafka: Kafka;
  let input: InputProducer;
  let aggregator: RunningAggregator | undefined;
  let query: Query;
  const all: FixtureTrace[] = [];
  const kept: FixtureTrace[] = [];

  const produce = async (from: number, to: number, keepEvery: number): Promise<void> => {
    const batch = Array.from({ length: to - from }, (_, k) =>
      makeTrace({ seed: 41, index: from + k, startNs: BASE_NS + BigInt(from + k) * 250_000_000n, partition: (from + k) % PARTITIONS, split: (from + k) % 7 === 3 }),
    );
    const mine = batch.filter((_, k) => (from + k) % keepEvery === 0);
    all.push(...batch);
    kept.push(...mine);
    await input.spans(batch);
    await input.kept(mine.flatMap((t) => keptBatchesOf(t).map((k) => ({ kept: k, partition: t.partition }))));
    await input.summaries(mine.map((t) => ({ summary: summaryOf(t), partition: t.partition })));
  };
  const groups = (): [string, string][] => [
    [`${groupId}-red`, topics.spans],
    [`${groupId}-spans`, topics.sampledSpans],
    [`${groupId}-summaries`, topics.traceSummaries],
  ];
  const everythingLanded = async (): Promise<boolean> =>
    (await redCalls(query, database)) === totalCalls(redTruth(all, BUCKET_SECONDS, TEST_BOUNDS_MS)) &&
    (await spanCounts(query, database)).rows === kept.reduce((n, t) => n + t.spans.length, 0) &&
    (await summaryCounts(query, database)).rows === kept.length &&
    (await Promise.all(groups().map(([g, t]) => fullyCommitted(kafka, g, t)))).every(Boolean);
  const progress = async (): Promise<string> =>
    `RED calls ${await redCalls(query, database)}/${totalCalls(redTruth(all, BUCKET_SECONDS, TEST_BOUNDS_MS))}, spans ${JSON.stringify(await spanCounts(query, database))}, ` +
    `summaries ${JSON.stringify(await summaryCounts(query, database))}/${kept.length}, commits ` +
    JSON.stringify(await Promise.all(groups().map(([g, t]) => commitProgress(kafka, g, t))), bigintJson);

  beforeAll(async () => {
    kafka = createKafka({ brokers: brokers.split(','), clientId: 'aggregator-outage-it' }, logger);
    await ensureTopics(kafka, { prefix, partitions: PARTITIONS, replicationFactor: 1 });
    input = new InputProducer(kafka, topics);
    await input.connect();
    aggregator = await startAggregator(
      testAggregatorConfig(
        { prefix, groupId, database, partitions: PARTITIONS },
        {
          red: { bucketSeconds: BUCKET_SECONDS, allowedLatenessSeconds: 10, histogramBoundsMs: [...TEST_BOUNDS_MS], epochMaxMessages: 20, idleFlushMs: 1000 },
          spans: { maxRows: SPANS_MAX_ROWS, maxBytes: 1 << 20, maxDelayMs: 300 },
          summaries: { maxRows: SUMMARIES_MAX_ROWS, maxBytes: 1 << 20, maxDelayMs: 300 },
          retry: { initialMs: 100, maxMs: 500 },
        },
      ),
      { logger },
    );
    const ch = aggregator.clickhouse;
    query = <T>(sql: string) => ch.query<T>(sql);
  });

  afterAll(async () => {
    await aggregator?.stop();
    await input?.disconnect();
  });

  it('retries with backpressure (bounded buffers, no fetching ahead, nothing committed), then lands everything exactly once', async () => {
    const ch = aggregator!.clickhouse;
    const port = aggregator!.opsPort;

    // Before the outage: some of everything is in every table (TOO_MANY_PARTS needs a part to count).
    await produce(0, 24, 3);
    const keptBeforeOutage = kept.length;
    await waitUntil(everythingLanded, 60_000, progress);

    // The fault: a table whose partition holds parts_to_throw_insert parts refuses inserts with
    // TOO_MANY_PARTS, which the store classifies as retryable (checked on a scratch table first).
    await ch.command(`CREATE TABLE ${database}.outage_probe (x UInt8) ENGINE = MergeTree ORDER BY x`);
    await ch.insertJsonEachRow(`${database}.outage_probe`, '{"x":1}\n');
    for (const table of [...FAILING_TABLES, 'outage_probe']) {
      await ch.command(`ALTER TABLE ${database}.${table} MODIFY SETTING parts_to_throw_insert = 1`);
    }
    const probe = await ch.insertJsonEachRow(`${database}.outage_probe`, '{"x":2}\n').then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(probe).toBeInstanceOf(StoreError);
    expect(probe).toMatchObject({ code: 'TOO_MANY_PARTS', retryable: true, clickhouseCode: 252 });

    const before = await scrapeMetrics(port);
    const inserted = (s: Sample[], table: string) => metricSum(s, 'tailstream_aggregator_rows_inserted_total', { table });
    const failures = (s: Sample[], table: string) => metricSum(s, 'tailstream_aggregator_insert_failures_total', { table });
    const buffered = (s: Sample[], table: string) => metricSum(s, 'tailstream_aggregator_rows_buffered', { table });
    const samples: Sample[][] = [];
    const sample = async (): Promise<Sample[]> => {
      const s = await scrapeMetrics(port);
      samples.push(s);
      return s;
    };

    // Keep producing during the outage: all traces kept now, far more rows than one batch holds.
    for (let chunk = 0; chunk < 4; chunk++) {
      await produce(24 + chunk * 15, 24 + (chunk + 1) * 15, 1);
      await sample();
    }
    const keptRowsInOutage = kept.slice(keptBeforeOutage).reduce((n, t) => n + t.spans.length, 0);
    expect(keptRowsInOutage).toBeGreaterThan(4 * (SPANS_MAX_ROWS + MAX_SPANS_PER_MESSAGE));
    // Every pipeline is retrying: several failed attempts per table.
    await waitUntil(
      async () => {
        const s = await sample();
        return failures(s, 'red_metrics_ingest') >= 3 && failures(s, 'otel_traces') >= 3 && failures(s, 'trace_summaries') >= 3;
      },
      30_000,
      () => `insert failures: ${JSON.stringify(['red_metrics_ingest', 'otel_traces', 'trace_summaries'].map((t) => [t, failures(samples.at(-1) ?? [], t)]))}`,
    );
    // Sample on for a while during the outage, to see the buffers do not grow.
    for (let i = 0; i < 10; i++) {
      await sample();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const during = samples.at(-1)!;

    // Nothing was acknowledged, nothing was committed past what was stored.
    for (const table of ['red_metrics_ingest', 'otel_traces', 'trace_summaries']) {
      expect({ table, inserted: inserted(during, table) }).toEqual({ table, inserted: inserted(before, table) });
    }
    for (const [g, t] of groups()) expect(await fullyCommitted(kafka, g, t)).toBe(false);
    // Bounded memory: a loader holds at most one batch (cut at the first message past maxRows) while it
    // retries, and does not fetch more; RED stopped aggregating (its consumer does not fetch ahead).
    const maxBuffered = (table: string) => Math.max(...samples.map((s) => buffered(s, table)));
    expect(maxBuffered('otel_traces')).toBeGreaterThan(0);
    expect(maxBuffered('otel_traces')).toBeLessThanOrEqual(SPANS_MAX_ROWS + MAX_SPANS_PER_MESSAGE);
    expect(maxBuffered('trace_summaries')).toBeGreaterThan(0);
    expect(maxBuffered('trace_summaries')).toBeLessThanOrEqual(SUMMARIES_MAX_ROWS);
    const spansProduced = all.reduce((n, t) => n + t.spans.length, 0);
    expect(metricSum(during, 'tailstream_aggregator_red_spans_total')).toBeLessThan(spansProduced);
    expect(await redCalls(query, database)).toBeLessThan(totalCalls(redTruth(all, BUCKET_SECONDS, TEST_BOUNDS_MS)));
    console.log(
      `outage: failures ${JSON.stringify(['red_metrics_ingest', 'otel_traces', 'trace_summaries'].map((t) => [t, failures(during, t)]))}, ` +
        `max rows_buffered ${JSON.stringify(['red_metrics', 'otel_traces', 'trace_summaries'].map((t) => [t, maxBuffered(t)]))}, ` +
        `RED spans aggregated ${metricSum(during, 'tailstream_aggregator_red_spans_total')} of ${spansProduced} produced`,
    );

    // ClickHouse accepts inserts again: everything lands, exactly once.
    for (const table of FAILING_TABLES) await ch.command(`ALTER TABLE ${database}.${table} RESET SETTING parts_to_throw_insert`);
    await waitUntil(everythingLanded, 60_000, progress);
    for (const [topic, sent] of input.sent) expect({ topic, records: await topicRecords(kafka, topic) }).toEqual({ topic, records: sent });
    expect(diffMaps(redTruth(all, BUCKET_SECONDS, TEST_BOUNDS_MS), await readRed(query, database), redFields)).toEqual([]);
    expect(diffMaps(edgeTruth(all, BUCKET_SECONDS), await readEdges(query, database))).toEqual([]);
    const keptSpans = kept.reduce((n, t) => n + t.spans.length, 0);
    expect(await spanCounts(query, database)).toEqual({ rows: keptSpans, unique: keptSpans, finalRows: keptSpans, finalUnique: keptSpans });
    expect(await summaryCounts(query, database)).toEqual({ rows: kept.length, unique: kept.length, finalRows: kept.length, finalUnique: kept.length });
    const after = await scrapeMetrics(port);
    expect(inserted(after, 'otel_traces')).toBe(keptSpans);
    expect(inserted(after, 'trace_summaries')).toBe(kept.length);
    for (const table of ['red_metrics', 'otel_traces', 'trace_summaries']) expect({ table, buffered: buffered(after, table) }).toEqual({ table, buffered: 0 });
  }, 150_000);
});

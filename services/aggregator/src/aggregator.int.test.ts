import { SCHEMA_HEADER } from '@tailstream/avro';
import { createKafka, ensureTopics, topicNames } from '@tailstream/kafka';
import { createLogger } from '@tailstream/telemetry';
import { uniqueDatabase, uniqueGroupId, uniqueTopicPrefix, testInfra } from '@tailstream/test-harness';
import type { Kafka } from 'kafkajs';
import { PROVENANCE_ATTRIBUTES } from './row-mappers';
import { testAggregatorConfig } from './test-support/config';
import { BASE_NS, KEPT_DECISION, keptBatchesOf, makeTrace, summaryOf, TEST_BOUNDS_MS, type FixtureTrace } from './test-support/fixtures';
import { edgeTruth, kindName, redTruth, statusName, totalCalls } from './test-support/ground-truth';
import { commitProgress, DeadLetterReader, fullyCommitted, InputProducer, topicRecords, waitUntil } from './test-support/kafka-io';
import { metricSum, scrapeMetrics } from '@tailstream/test-harness';
import { diffMaps, readEdges, readRed, redCalls, redFields, spanCounts, summaryCounts, type Query } from './test-support/reads';
import { startAggregator, type RunningAggregator } from './worker';

const logger = createLogger({ name: 'aggregator-it', level: process.env.AGGREGATOR_IT_LOG ?? 'silent' });
const PARTITIONS = 2;
const BUCKET_SECONDS = 10;
const MAIN_TRACES = 120;
const LATE_TRACES = 6;

/**
 * 120 traces 0.5 s apart (event time 0–60 s: six 10 s buckets), alternating between the two
 * partitions; every 7th trace split in two messages whose second half follows three traces later.
 * Then six late traces back in the first bucket, after the watermark (lateness 10 s) has closed it.
 */
function buildTraffic(): { main: FixtureTrace[]; late: FixtureTrace[]; order: { batch: FixtureTrace['batches'][number]; partition: number }[] } {
  const main = Array.from({ length: MAIN_TRACES }, (_, i) =>
    makeTrace({ seed: 11, index: i, startNs: BASE_NS + BigInt(i) * 500_000_000n, partition: i % PARTITIONS, split: i % 7 === 3 }),
  );
  const late = Array.from({ length: LATE_TRACES }, (_, k) =>
    makeTrace({ seed: 11, index: 500 + k, startNs: BASE_NS + 1_000_000_000n + BigInt(k) * 300_000_000n, partition: k % PARTITIONS, spanCount: 7 }),
  );
  const order: { batch: FixtureTrace['batches'][number]; partition: number }[] = [];
  const deferred: { due: number; batch: FixtureTrace['batches'][number]; partition: number }[] = [];
  main.forEach((t, i) => {
    order.push({ batch: t.batches[0]!, partition: t.partition });
    if (t.batches[1]) deferred.push({ due: i + 6, batch: t.batches[1], partition: t.partition });
    for (const d of deferred.filter((x) => x.due === i)) order.push(d);
  });
  for (const d of deferred.filter((x) => x.due >= MAIN_TRACES)) order.push(d);
  for (const t of late) order.push(...t.batches.map((batch) => ({ batch, partition: t.partition })));
  return { main, late, order };
}

describe('aggregator on a real broker and ClickHouse engine: ground truth', () => {
  const brokers = testInfra().kafkaBrokers;
  const prefix = uniqueTopicPrefix('agg');
  const topics = topicNames(prefix);
  const groupId = uniqueGroupId('agg');
  const database = uniqueDatabase('agg_truth');
  let kafka: Kafka;
  let input: InputProducer;
  let dlq: DeadLetterReader;
  let aggregator: RunningAggregator | undefined;
  let query: Query;

  beforeAll(async () => {
    kafka = createKafka({ brokers: brokers.split(','), clientId: 'aggregator-it' }, logger);
    await ensureTopics(kafka, { prefix, partitions: PARTITIONS, replicationFactor: 1 });
    input = new InputProducer(kafka, topics);
    await input.connect();
    dlq = new DeadLetterReader(kafka, topics.deadLetter);
    await dlq.start();
    aggregator = await startAggregator(
      testAggregatorConfig(
        { prefix, groupId, database, partitions: PARTITIONS },
        {
          red: { bucketSeconds: BUCKET_SECONDS, allowedLatenessSeconds: 10, histogramBoundsMs: [...TEST_BOUNDS_MS], epochMaxMessages: 40, idleFlushMs: 3000 },
          spans: { maxRows: 60, maxBytes: 1 << 20, maxDelayMs: 500 },
          summaries: { maxRows: 15, maxBytes: 1 << 20, maxDelayMs: 500 },
          retry: { initialMs: 100, maxMs: 1000 },
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
    await dlq?.stop();
  });

  it('loads RED from every span (late ones included), kept spans and summaries exactly, and dead-letters poison records', async () => {
    const { main, late, order } = buildTraffic();
    const all = [...main, ...late];
    const kept = all.filter((_, i) => i % 3 === 0 || i === all.length - 1);
    const garbage = (topic: string) => ({ key: 'poison', value: Buffer.from(`not avro at all: ${topic}`), headers: { [SCHEMA_HEADER]: 'span-batch.v2' }, partition: 0 });

    // Spans topic: all traffic in one go (so no partition goes idle halfway), a poison record in the middle.
    const half = Math.floor(order.length / 2);
    const spanBatches = [...order.slice(0, half), ...order.slice(half)];
    await input.spanBatches(spanBatches.slice(0, half));
    await input.send(topics.spans, [garbage('spans')]);
    await input.spanBatches(spanBatches.slice(half));
    // Sampled topic and summaries: the kept traces, with a poison record each.
    const keptItems = kept.flatMap((t) => keptBatchesOf(t).map((k) => ({ kept: k, partition: t.partition })));
    await input.kept(keptItems.slice(0, 10));
    await input.send(topics.sampledSpans, [{ ...garbage('sampled'), headers: { [SCHEMA_HEADER]: 'kept-span-batch.v1' } }]);
    await input.kept(keptItems.slice(10));
    const summaries = kept.map((t) => ({ summary: summaryOf(t), partition: t.partition }));
    await input.summaries(summaries.slice(0, 5));
    await input.send(topics.traceSummaries, [{ ...garbage('summaries'), headers: {} }]);
    await input.summaries(summaries.slice(5));

    const red = redTruth(all, BUCKET_SECONDS, TEST_BOUNDS_MS);
    const expectedCalls = totalCalls(red);
    const keptSpans = kept.reduce((n, t) => n + t.spans.length, 0);
    const groups = [`${groupId}-red`, `${groupId}-spans`, `${groupId}-summaries`];
    const groupTopics = [topics.spans, topics.sampledSpans, topics.traceSummaries];
    await waitUntil(
      async () =>
        (await redCalls(query, database)) === expectedCalls &&
        (await spanCounts(query, database)).rows === keptSpans &&
        (await summaryCounts(query, database)).rows === kept.length &&
        dlq.seen.length === 3 &&
        (await Promise.all(groups.map((g, i) => fullyCommitted(kafka, g, groupTopics[i]!)))).every(Boolean),
      90_000,
      async () =>
        `RED calls ${await redCalls(query, database)}/${expectedCalls}, spans ${JSON.stringify(await spanCounts(query, database))}/${keptSpans}, ` +
        `summaries ${JSON.stringify(await summaryCounts(query, database))}/${kept.length}, dead letters ${dlq.seen.length}/3, commits ` +
        JSON.stringify(await Promise.all(groups.map((g, i) => commitProgress(kafka, g, groupTopics[i]!))), (_, v) => (typeof v === 'bigint' ? String(v) : v)),
    );

    // The topics hold exactly what was produced (no duplicate from a retried produce request).
    for (const [topic, sent] of input.sent) expect({ topic, records: await topicRecords(kafka, topic) }).toEqual({ topic, records: sent });
    // RED: every (bucket, service, span name, kind, status) equals the ground truth exactly.
    const stored = await readRed(query, database);
    expect(diffMaps(red, stored, redFields)).toEqual([]);
    for (const row of stored.values()) expect(row.bounds).toEqual(TEST_BOUNDS_MS);
    expect(new Set([...red.values()].map((r) => r.bucket)).size).toBeGreaterThanOrEqual(6);
    expect(diffMaps(edgeTruth(all, BUCKET_SECONDS), await readEdges(query, database))).toEqual([]);

    // The late spans took the late path (further delta rows), and the metrics say so.
    const metrics = await scrapeMetrics(aggregator!.opsPort);
    const lateSpans = late.reduce((n, t) => n + t.spans.length, 0);
    expect(metricSum(metrics, 'tailstream_aggregator_red_late_spans')).toBe(lateSpans);
    expect(metricSum(metrics, 'tailstream_aggregator_red_spans_total')).toBe(expectedCalls);
    expect(metricSum(metrics, 'tailstream_aggregator_rows_inserted_total', { table: 'otel_traces' })).toBe(keptSpans);
    expect(metricSum(metrics, 'tailstream_aggregator_rows_inserted_total', { table: 'trace_summaries' })).toBe(kept.length);
    expect(metricSum(metrics, 'tailstream_aggregator_insert_failures_total')).toBe(0);

    await expectQuantilesReadable(query, database, all);
    await expectKeptSpans(query, database, kept);
    await expectSummaries(query, database, kept);

    // Poison records: one per topic in the dead-letter topic, unchanged, with reason and origin;
    // the partitions kept moving (everything after them landed and was committed above).
    const letters = [...dlq.seen].sort((a, b) => a.sourceTopic.localeCompare(b.sourceTopic));
    expect(letters.map((l) => [l.sourceTopic, l.sourcePartition, l.reason, l.worker])).toEqual(
      [
        [topics.spans, 0, 'undecodable_span_batch', 'aggregator'],
        [topics.sampledSpans, 0, 'undecodable_record', 'aggregator'],
        [topics.traceSummaries, 0, 'undecodable_record', 'aggregator'],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    for (const l of letters) {
      expect(l.value?.toString()).toMatch(/^not avro at all/);
      expect(l.error).not.toBe('');
      expect(Number(l.sourceOffset)).toBeGreaterThan(0);
    }
    expect(metricSum(metrics, 'tailstream_aggregator_dead_lettered_total')).toBe(3);
  });
});

/** p50/p95/p99 per operation over all buckets (merged states) sit where the exact quantiles are. */
async function expectQuantilesReadable(query: Query, db: string, traces: readonly FixtureTrace[]): Promise<void> {
  const durations = new Map<string, number[]>();
  for (const t of traces) {
    for (const s of t.spans) {
      const key = `${s.service}|${s.record.name}`;
      const list = durations.get(key) ?? [];
      list.push(Number(s.record.endTimeUnixNano - s.record.startTimeUnixNano) / 1e6);
      durations.set(key, list);
    }
  }
  const rows = await query<{ service: string; name: string; q: number[] }>(
    `SELECT ServiceName AS service, SpanName AS name, quantilesTDigestWeightedMerge(0.5, 0.95, 0.99)(DurationQuantiles) AS q
     FROM ${db}.red_metrics GROUP BY service, name`,
  );
  expect(rows).toHaveLength(durations.size);
  const exact = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))]!;
  for (const row of rows) {
    const sorted = [...(durations.get(`${row.service}|${row.name}`) ?? [])].sort((a, b) => a - b);
    const [p50, p95, p99] = row.q as [number, number, number];
    expect(p50).toBeLessThanOrEqual(p95);
    expect(p95).toBeLessThanOrEqual(p99);
    // Within the sketch's 1 % of the spread of the exact quantiles around each level.
    expect(p50).toBeGreaterThanOrEqual(exact(sorted, 0.2) * 0.98);
    expect(p50).toBeLessThanOrEqual(exact(sorted, 0.8) * 1.02);
    expect(p99).toBeGreaterThanOrEqual(exact(sorted, 0.8) * 0.98);
    expect(p99).toBeLessThanOrEqual(sorted[sorted.length - 1]! * 1.02);
  }
  // The dashboard view gives them per minute too.
  const [view] = await query<{ n: string; nulls: string }>(
    `SELECT toString(count()) AS n, toString(countIf(isNaN(P50Ms) OR isNaN(P99Ms))) AS nulls FROM ${db}.red_by_operation_1m`,
  );
  expect(Number(view?.n)).toBeGreaterThan(0);
  expect(view?.nulls).toBe('0');
}

interface OtelRow {
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  ts: string;
  duration: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  StatusCode: string;
  StatusMessage: string;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  ResourceAttributes: Record<string, string>;
  eventTimes: string[];
  eventNames: string[];
  eventAttrs: Record<string, string>[];
  linkTraces: string[];
  linkSpans: string[];
  linkStates: string[];
  linkAttrs: Record<string, string>[];
}

/** otel_traces holds exactly the kept spans, column for column as the exporter writes them. */
async function expectKeptSpans(query: Query, db: string, kept: readonly FixtureTrace[]): Promise<void> {
  const rows = await query<OtelRow>(
    `SELECT TraceId, SpanId, ParentSpanId, TraceState, toString(toUnixTimestamp64Nano(Timestamp)) AS ts, toString(Duration) AS duration,
            SpanName, SpanKind, ServiceName, StatusCode, StatusMessage, ScopeName, ScopeVersion, SpanAttributes, ResourceAttributes,
            arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS eventTimes, Events.Name AS eventNames,
            Events.Attributes AS eventAttrs, Links.TraceId AS linkTraces, Links.SpanId AS linkSpans, Links.TraceState AS linkStates,
            Links.Attributes AS linkAttrs
     FROM ${db}.otel_traces ORDER BY TraceId, SpanId`,
  );
  const expected: OtelRow[] = kept
    .flatMap((t) =>
      t.spans.map((s) => ({
        TraceId: t.hex,
        SpanId: s.record.spanId.toString('hex'),
        ParentSpanId: s.record.parentSpanId.toString('hex'),
        TraceState: '',
        ts: s.record.startTimeUnixNano.toString(),
        duration: (s.record.endTimeUnixNano - s.record.startTimeUnixNano).toString(),
        SpanName: s.record.name,
        SpanKind: kindName(s.record.kind),
        ServiceName: s.service,
        StatusCode: statusName(s.record.statusCode),
        StatusMessage: s.record.statusMessage,
        ScopeName: s.scopeName,
        ScopeVersion: s.scopeVersion,
        SpanAttributes: {
          ...s.spanAttributes,
          [PROVENANCE_ATTRIBUTES.policy]: KEPT_DECISION.policy,
          [PROVENANCE_ATTRIBUTES.policyVersion]: KEPT_DECISION.policyVersion,
          [PROVENANCE_ATTRIBUTES.adjustedCount]: String(KEPT_DECISION.adjustedCount),
        },
        ResourceAttributes: s.resourceAttributes,
        eventTimes: s.events.map((e) => e.timeUnixNano.toString()),
        eventNames: s.events.map((e) => e.name),
        eventAttrs: s.events.map((e) => e.attributes),
        linkTraces: s.links.map((l) => l.traceId),
        linkSpans: s.links.map((l) => l.spanId),
        linkStates: s.links.map((l) => l.traceState),
        linkAttrs: s.links.map((l) => l.attributes),
      })),
    )
    .sort((a, b) => (a.TraceId + a.SpanId).localeCompare(b.TraceId + b.SpanId));
  expect(rows).toEqual(expected);
  expect(rows.some((r) => r.eventNames.length > 0) && rows.some((r) => r.linkTraces.length > 0)).toBe(true);
  const counts = await spanCounts(query, db);
  expect(counts).toEqual({ rows: expected.length, unique: expected.length, finalRows: expected.length, finalUnique: expected.length });
}

/** trace_summaries holds one row per kept trace with the summary's fields. */
async function expectSummaries(query: Query, db: string, kept: readonly FixtureTrace[]): Promise<void> {
  const rows = await query(
    `SELECT TraceId, toString(toUnixTimestamp64Nano(Start)) AS start, toString(Duration) AS duration, SpanCount, ErrorCount,
            RootServiceName, RootSpanName, Services, Policy, PolicyVersion, AdjustedCount
     FROM ${db}.trace_summaries ORDER BY TraceId`,
  );
  const expected = kept
    .map((t) => {
      const s = summaryOf(t);
      return {
        TraceId: t.hex,
        start: s.startTimeUnixNano.toString(),
        duration: s.durationNano.toString(),
        SpanCount: s.spanCount,
        ErrorCount: s.errorCount,
        RootServiceName: s.rootServiceName,
        RootSpanName: s.rootSpanName,
        Services: s.services,
        Policy: s.policy,
        PolicyVersion: s.policyVersion,
        AdjustedCount: s.adjustedCount,
      };
    })
    .sort((a, b) => a.TraceId.localeCompare(b.TraceId));
  expect(rows).toEqual(expected);
}

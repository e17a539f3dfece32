import { createLogger } from '@tailstream/telemetry';
import { buildAggregator, type ChildAggregator } from './test-support/child-aggregator';
import { CrashScenario } from './test-support/crash-setup';
import { BASE_NS, keptBatchesOf, makeTrace, summaryOf, type FixtureTrace } from './test-support/fixtures';
import { edgeTruth, redTruth, totalCalls } from './test-support/ground-truth';
import { commitProgress, fullyCommitted, topicRecords, waitUntil } from './test-support/kafka-io';
import { diffMaps, readEdges, readRed, redCalls, redFields, spanCounts, summaryCounts, type Query } from './test-support/reads';

const logger = createLogger({ name: 'aggregator-crash-it', level: process.env.AGGREGATOR_IT_LOG ?? 'silent' });
const PARTITIONS = 2;
const BUCKET_SECONDS = 10;
/** The spanmetrics connector's bounds: the aggregator's default (the child runs with defaults). */
const DEFAULT_BOUNDS_MS = [2, 4, 6, 8, 10, 50, 100, 200, 400, 800, 1000, 1400, 2000, 5000, 10_000, 15_000];
const bigintJson = (_: string, v: unknown): unknown => (typeof v === 'bigint' ? String(v) : v);

/** Traces [from, to) of the scenario's timeline, 0.5 s apart, alternating partitions, every 7th split. */
function traces(seed: number, from: number, to: number, stepNs = 500_000_000n): FixtureTrace[] {
  return Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    return makeTrace({ seed, index: i, startNs: BASE_NS + BigInt(i) * stepNs, partition: i % PARTITIONS, split: i % 7 === 3 });
  });
}

/** Produces RED input for the traces, and kept spans + summaries for every third one. */
async function produce(s: CrashScenario, batch: FixtureTrace[], kept: FixtureTrace[]): Promise<void> {
  await s.input.spans(batch);
  const mine = batch.filter((t) => Number.parseInt(t.hex.slice(-8), 16) % 3 === 0);
  kept.push(...mine);
  await s.input.kept(mine.flatMap((t) => keptBatchesOf(t).map((k) => ({ kept: k, partition: t.partition }))));
  await s.input.summaries(mine.map((t) => ({ summary: summaryOf(t), partition: t.partition })));
}

async function expectKilled(child: ChildAggregator, s: CrashScenario, table: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const exit = await Promise.race([child.exited, new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), 60_000)))]);
  clearTimeout(timer);
  expect(exit).toEqual({ code: null, signal: 'SIGKILL' });
  expect(s.kills().at(-1)?.table).toMatch(new RegExp(`(^|\\.)${table}$`));
}

/** The topics hold exactly the records produced (no duplicate from a retried produce request). */
async function expectInputAsProduced(s: CrashScenario): Promise<void> {
  for (const [topic, sent] of s.input.sent) expect({ topic, records: await topicRecords(s.kafka, topic) }).toEqual({ topic, records: sent });
}

/** Waits until the restarted aggregator stored everything and committed every partition of every group. */
async function waitForEverything(s: CrashScenario, query: Query, expected: { redCalls: number; spans: number; summaries: number }): Promise<void> {
  const groups: [string, string][] = [
    [`${s.groupId}-red`, s.topics.spans],
    [`${s.groupId}-spans`, s.topics.sampledSpans],
    [`${s.groupId}-summaries`, s.topics.traceSummaries],
  ];
  await waitUntil(
    async () =>
      (await redCalls(query, s.database)) >= expected.redCalls &&
      (await spanCounts(query, s.database)).finalUnique >= expected.spans &&
      (await summaryCounts(query, s.database)).finalUnique >= expected.summaries &&
      (await Promise.all(groups.map(([g, t]) => fullyCommitted(s.kafka, g, t)))).every(Boolean),
    60_000,
    async () =>
      `RED calls ${await redCalls(query, s.database)}/${expected.redCalls}, spans ${JSON.stringify(await spanCounts(query, s.database))}/${expected.spans}, ` +
      `summaries ${JSON.stringify(await summaryCounts(query, s.database))}/${expected.summaries}, commits ` +
      JSON.stringify(await Promise.all(groups.map(([g, t]) => commitProgress(s.kafka, g, t))), bigintJson),
  );
}

describe('aggregator killed between an acknowledged insert and its offset commit', () => {
  beforeAll(() => buildAggregator(), 120_000);

  describe('input-driven flushes and table batches, input arriving while it is down', () => {
    const s = new CrashScenario(
      'cuts',
      PARTITIONS,
      {
        TAILSTREAM_AGGREGATOR_RED_BUCKET_SECONDS: String(BUCKET_SECONDS),
        TAILSTREAM_AGGREGATOR_RED_ALLOWED_LATENESS_SECONDS: '10',
        TAILSTREAM_AGGREGATOR_RED_EPOCH_MAX_MESSAGES: '30',
        TAILSTREAM_AGGREGATOR_RED_IDLE_FLUSH_MS: '1500',
        TAILSTREAM_AGGREGATOR_SPANS_MAX_ROWS: '10000',
        TAILSTREAM_AGGREGATOR_SPANS_MAX_DELAY_MS: '400',
        TAILSTREAM_AGGREGATOR_SUMMARIES_MAX_ROWS: '8',
        TAILSTREAM_AGGREGATOR_SUMMARIES_MAX_DELAY_MS: '400',
      },
      logger,
    );
    beforeAll(() => s.setUp());
    afterAll(() => s.tearDown());

    it('restarts three times (killed after a RED, an otel_traces and a trace_summaries insert) and ends with exact RED and no lost or doubled span', async () => {
      const all: FixtureTrace[] = [];
      const kept: FixtureTrace[] = [];
      const phase = async (from: number, to: number): Promise<void> => {
        const batch = traces(21, from, to);
        all.push(...batch);
        await produce(s, batch, kept);
      };

      await phase(0, 60);
      let child = await s.start({ killAfterInserts: 2, killTable: 'red_metrics_ingest' });
      await expectKilled(child, s, 'red_metrics_ingest');

      await phase(60, 120);
      child = await s.start({ killAfterInserts: 1, killTable: 'otel_traces' });
      await expectKilled(child, s, 'otel_traces');

      await phase(120, 180);
      child = await s.start({ killAfterInserts: 1, killTable: 'trace_summaries' });
      await expectKilled(child, s, 'trace_summaries');

      // The last phase ends with late traces back in the first buckets.
      await phase(180, 240);
      const late = Array.from({ length: 4 }, (_, k) =>
        makeTrace({ seed: 21, index: 900 + k, startNs: BASE_NS + 2_000_000_000n + BigInt(k) * 100_000_000n, partition: k % PARTITIONS }),
      );
      all.push(...late);
      await produce(s, late, kept);

      child = await s.start();
      const query: Query = (sql) => child.query(sql);
      const red = redTruth(all, BUCKET_SECONDS, DEFAULT_BOUNDS_MS);
      const keptSpans = kept.reduce((n, t) => n + t.spans.length, 0);
      await waitForEverything(s, query, { redCalls: totalCalls(red), spans: keptSpans, summaries: kept.length });

      const spans = await spanCounts(query, s.database);
      const summaries = await summaryCounts(query, s.database);
      // For the report: what a plain (non-FINAL) read sees after three crashes.
      console.log(
        `crash scenario: kills ${JSON.stringify(s.kills())}; RED calls ${totalCalls(red)}; otel_traces ${JSON.stringify(spans)} of ${keptSpans}; ` +
          `trace_summaries ${JSON.stringify(summaries)} of ${kept.length}`,
      );
      await expectInputAsProduced(s);
      expect(diffMaps(red, await readRed(query, s.database), redFields)).toEqual([]);
      expect(diffMaps(edgeTruth(all, BUCKET_SECONDS), await readEdges(query, s.database))).toEqual([]);
      expect({ finalRows: spans.finalRows, finalUnique: spans.finalUnique, unique: spans.unique }).toEqual({ finalRows: keptSpans, finalUnique: keptSpans, unique: keptSpans });
      expect({ finalRows: summaries.finalRows, unique: summaries.unique }).toEqual({ finalRows: kept.length, unique: kept.length });
      // Replayed batches carry the same dedup tokens: nothing doubled even without FINAL.
      expect(spans.rows).toBe(keptSpans);
      expect(summaries.rows).toBe(kept.length);
      expect(await child.stop()).toEqual({ code: 0, signal: null });
    }, 240_000);
  });

  describe('an idle flush (not input-driven), more input arriving while it is down', () => {
    const s = new CrashScenario(
      'idle',
      PARTITIONS,
      {
        TAILSTREAM_AGGREGATOR_RED_BUCKET_SECONDS: String(BUCKET_SECONDS),
        TAILSTREAM_AGGREGATOR_RED_ALLOWED_LATENESS_SECONDS: '10',
        TAILSTREAM_AGGREGATOR_RED_EPOCH_MAX_MESSAGES: '1000',
        TAILSTREAM_AGGREGATOR_RED_IDLE_FLUSH_MS: '1000',
      },
      logger,
    );
    beforeAll(() => s.setUp());
    afterAll(() => s.tearDown());

    it('replays the idle cut where it was made: RED totals stay exact', async () => {
      // All in one 10 s bucket and fewer messages than an epoch: only idle flushes insert RED rows.
      const first = traces(31, 0, 12, 200_000_000n);
      await s.input.spans(first);
      let child = await s.start({ killAfterInserts: 1, killTable: 'red_metrics_ingest' });
      await expectKilled(child, s, 'red_metrics_ingest');

      const second = traces(31, 12, 24, 200_000_000n);
      await s.input.spans(second);
      child = await s.start();
      const query: Query = (sql) => child.query(sql);
      const all = [...first, ...second];
      const red = redTruth(all, BUCKET_SECONDS, DEFAULT_BOUNDS_MS);
      await waitUntil(
        async () => (await redCalls(query, s.database)) >= totalCalls(red) && (await fullyCommitted(s.kafka, `${s.groupId}-red`, s.topics.spans)),
        60_000,
        async () => `RED calls ${await redCalls(query, s.database)}/${totalCalls(red)}, commits ${JSON.stringify(await commitProgress(s.kafka, `${s.groupId}-red`, s.topics.spans), bigintJson)}`,
      );
      console.log(`idle scenario: kills ${JSON.stringify(s.kills())}; RED calls ${await redCalls(query, s.database)} of ${totalCalls(red)}`);
      await expectInputAsProduced(s);
      expect(diffMaps(red, await readRed(query, s.database), redFields)).toEqual([]);
      expect(await child.stop()).toEqual({ code: 0, signal: null });
    }, 120_000);
  });
});

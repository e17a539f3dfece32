import { writeFileSync } from 'node:fs';
import { createKafka, ensureTopics, fetchCommitted, topicNames } from '@tailstream/kafka';
import { toHex } from '@tailstream/model';
import { createLogger } from '@tailstream/telemetry';
import { testInfra, uniqueGroupId, uniqueTopicPrefix } from '@tailstream/test-harness';
import type { Admin, Kafka } from 'kafkajs';
import { decodeReplayMark } from './partition-state';
import { OutputCollector, SpanProducer, waitUntil, type Produced } from './test-support/kafka-io';
import { metricSum, scrapeMetrics } from '@tailstream/test-harness';
import {
  ERRORS_AND_EVERYTHING_POLICY,
  ERRORS_POLICY,
  policyVersionOf,
  testSamplerConfig,
  writePolicyFile,
} from './test-support/sampler-setup';
import { batchSpanKeys, lateBatch, makeTrace, type TestTrace } from './test-support/traces';
import { startSampler, type RunningSampler } from './worker';

const logger = createLogger({ name: 'sampler-it', level: process.env.SAMPLER_IT_LOG ?? 'silent' });
const PARTITIONS = 3;

/** 18 traces of 2–6 spans over 1–3 records; every third has an error span (kept by the `errors` policy). */
function firstTraces(): TestTrace[] {
  return Array.from({ length: 18 }, (_, i) =>
    makeTrace({
      seed: 1,
      index: i,
      spanCount: 2 + (i % 5),
      records: 1 + (i % 3),
      errorSpans: i % 3 === 0 ? [1] : [],
      services: i % 2 === 0 ? ['checkout', 'payments'] : ['frontend', 'checkout', 'inventory'],
    }),
  );
}

describe('tail-sampler on a real broker', () => {
  const brokers = testInfra().kafkaBrokers;
  const prefix = uniqueTopicPrefix('sampler');
  const topics = topicNames(prefix);
  const policyFile = writePolicyFile(ERRORS_POLICY);
  const v1 = policyVersionOf(ERRORS_POLICY);
  const groupId = uniqueGroupId('sampler');
  let kafka: Kafka;
  let admin: Admin;
  let sampler: RunningSampler | undefined;
  let producer: SpanProducer;
  let out: OutputCollector;

  beforeAll(async () => {
    kafka = createKafka({ brokers: brokers.split(','), clientId: 'sampler-it' }, logger);
    await ensureTopics(kafka, { prefix, partitions: PARTITIONS, replicationFactor: 1 });
    admin = kafka.admin();
    await admin.connect();
    producer = new SpanProducer(kafka, topics.spans);
    await producer.connect();
    out = new OutputCollector(kafka, topics);
    await out.start();
    sampler = await startSampler(testSamplerConfig({ brokers, prefix, groupId, policyFile, partitions: PARTITIONS }), { logger });
  });

  afterAll(async () => {
    await sampler?.stop();
    await producer?.disconnect();
    await admin?.disconnect();
    await out?.stop();
  });

  it('decides every trace once, emits exactly the kept traces’ spans and summaries, routes late spans by decision, and hot-reloads policies', async () => {
    const traces = firstTraces();
    const kept = traces.filter((t) => t.errorCount > 0);
    const dropped = traces.filter((t) => t.errorCount === 0);
    const produced: Produced[] = await producer.send(traces.flatMap((t) => t.batches));
    const partitionOf = new Map(produced.map((p) => [toHex(p.batch.traceId), p.partition]));
    const keptSpanTotal = kept.reduce((n, t) => n + t.spanKeys.size, 0);

    await waitUntil(
      () =>
        out.decidedTraces().size === traces.length &&
        out.kept.reduce((n, k) => n + k.value.batch.spans.length, 0) >= keptSpanTotal &&
        out.summaries.length >= kept.length,
      60000,
      () =>
        `${traces.length} decisions (have ${out.decidedTraces().size}), ${keptSpanTotal} kept spans, ${kept.length} summaries (have ${out.summaries.length})`,
    );

    // Decisions: one per trace, outcome by the errors policy, full span count, version of the file.
    expect(out.decisions).toHaveLength(traces.length);
    for (const t of traces) {
      const [decision, ...more] = out.decisionsOf(t.hex);
      expect(more).toHaveLength(0);
      const sampled = t.errorCount > 0;
      expect(decision).toMatchObject({
        sampled,
        policy: sampled ? 'errors' : '',
        policyVersion: v1,
        adjustedCount: sampled ? 1 : 0,
        spanCount: t.spanKeys.size,
      });
    }
    for (const d of out.decisions) expect(d.key).toBe(toHex(d.value.traceId));

    // Sampled spans: every span of every kept trace, nothing else, each record carrying its trace's decision.
    const keptSpans = out.kept.flatMap((k) => batchSpanKeys(k.value.batch));
    expect(keptSpans).toHaveLength(keptSpanTotal);
    for (const t of kept) {
      expect(out.keptSpanKeys(t.hex)).toEqual(t.spanKeys);
      for (const k of out.keptOf(t.hex)) {
        expect(k.decision).toMatchObject({
          sampled: true,
          policy: 'errors',
          policyVersion: v1,
          adjustedCount: 1,
          spanCount: t.spanKeys.size,
        });
        expect(toHex(k.decision.traceId)).toBe(t.hex);
      }
    }
    for (const t of dropped) expect(out.keptOf(t.hex)).toHaveLength(0);
    for (const k of out.kept) expect(k.key).toBe(toHex(k.value.batch.traceId));

    // Summaries: one per kept trace, matching the trace.
    expect(out.summaries).toHaveLength(kept.length);
    for (const t of kept) {
      const [summary, ...more] = out.summariesOf(t.hex);
      expect(more).toHaveLength(0);
      expect(summary).toMatchObject({
        spanCount: t.spanKeys.size,
        errorCount: t.errorCount,
        rootServiceName: t.rootService,
        rootSpanName: t.rootName,
        services: t.services,
        policy: 'errors',
        policyVersion: v1,
        adjustedCount: 1,
      });
    }

    // Gauges are refreshed by the decision tick: wait until the buffers are seen empty.
    await waitUntil(
      async () => metricSum(await scrapeMetrics(sampler!.opsPort), 'tailstream_sampler_buffered_traces') === 0,
      10000,
      () => 'no trace buffered',
    );
    let metrics = await scrapeMetrics(sampler!.opsPort);
    expect(metricSum(metrics, 'tailstream_sampler_spans_received_total')).toBe(traces.reduce((n, t) => n + t.spanKeys.size, 0));
    expect(metricSum(metrics, 'tailstream_sampler_buffered_spans')).toBe(0);
    expect(metricSum(metrics, 'tailstream_sampler_decision_cache_entries')).toBe(traces.length);
    expect(metricSum(metrics, 'tailstream_sampler_decisions_total', { policy: 'errors', outcome: 'kept' })).toBe(kept.length);
    expect(metricSum(metrics, 'tailstream_sampler_decisions_total', { outcome: 'dropped' })).toBe(dropped.length);
    expect(metricSum(metrics, 'tailstream_sampler_late_spans_total')).toBe(0);
    expect(metricSum(metrics, 'tailstream_sampler_policy_info', { version: v1 })).toBe(1);

    // Late spans: a dropped and a kept trace of the same partition, the dropped one first, so once the
    // kept one's late spans are out, the dropped one's record has been handled too.
    const pair = kept
      .map((k) => ({ k, d: dropped.find((d) => partitionOf.get(d.hex) === partitionOf.get(k.hex)) }))
      .find((p): p is { k: TestTrace; d: TestTrace } => p.d !== undefined);
    expect(pair).toBeDefined();
    const { k: lateKept, d: lateDropped } = pair!;
    const keptLate = lateBatch(lateKept, 2);
    const droppedLate = lateBatch(lateDropped, 1);
    await producer.send([droppedLate, keptLate]);
    const keptLateKeys = new Set(batchSpanKeys(keptLate));
    await waitUntil(
      () => [...keptLateKeys].every((key) => out.keptSpanKeys(lateKept.hex).has(key)),
      30000,
      () => `late spans of kept trace ${lateKept.hex} forwarded`,
    );
    metrics = await scrapeMetrics(sampler!.opsPort);
    expect(metricSum(metrics, 'tailstream_sampler_late_spans_total', { outcome: 'forwarded' })).toBe(2);
    expect(metricSum(metrics, 'tailstream_sampler_late_spans_total', { outcome: 'dropped' })).toBe(1);
    expect(out.keptOf(lateDropped.hex)).toHaveLength(0);
    const lateRecords = out.keptOf(lateKept.hex).filter((k) => batchSpanKeys(k.batch).some((key) => keptLateKeys.has(key)));
    expect(lateRecords).toHaveLength(1);
    expect(lateRecords[0]!.decision).toMatchObject({
      sampled: true,
      policy: 'errors',
      policyVersion: v1,
      spanCount: lateKept.spanKeys.size,
    });
    // Nothing is buffered any more, so the partition is committed up to its end (past the late
    // records), with the replay mark there too: a restart would not forward those spans again.
    const latePartition = partitionOf.get(lateKept.hex)!;
    const end = BigInt((await admin.fetchTopicOffsets(topics.spans)).find((o) => o.partition === latePartition)!.high);
    await waitUntil(
      async () => {
        const committed = (await fetchCommitted(kafka, groupId, topics.spans)).get(latePartition);
        return committed?.offset === end && decodeReplayMark(committed.metadata) === end;
      },
      10000,
      () => `partition ${latePartition} committed up to ${end} with that replay mark`,
    );
    // Late spans are not decisions: still one decision per trace.
    expect(out.decisionsOf(lateKept.hex)).toHaveLength(1);
    expect(out.decisionsOf(lateDropped.hex)).toHaveLength(1);

    // Hot reload: add an always_sample policy; new traces are decided by the new version.
    writeFileSync(policyFile, ERRORS_AND_EVERYTHING_POLICY);
    const v2 = policyVersionOf(ERRORS_AND_EVERYTHING_POLICY);
    expect(v2).not.toBe(v1);
    await waitUntil(
      async () => metricSum(await scrapeMetrics(sampler!.opsPort), 'tailstream_sampler_policy_info', { version: v2 }) === 1,
      10000,
      () => `policy version ${v2} active`,
    );
    metrics = await scrapeMetrics(sampler!.opsPort);
    expect(metrics.filter((s) => s.name === 'tailstream_sampler_policy_info').map((s) => s.labels.version)).toEqual([v2]);
    expect(metricSum(metrics, 'tailstream_sampler_policy_reloads_total', { outcome: 'applied' })).toBe(1);

    const after = Array.from({ length: 6 }, (_, i) =>
      makeTrace({ seed: 2, index: i, spanCount: 3, records: 2, errorSpans: i % 2 === 0 ? [2] : [] }),
    );
    await producer.send(after.flatMap((t) => t.batches));
    await waitUntil(
      () => after.every((t) => out.decisionsOf(t.hex).length > 0 && out.keptSpanKeys(t.hex).size === t.spanKeys.size),
      30000,
      () => 'traces after the reload decided and kept',
    );
    for (const t of after) {
      const decisions = out.decisionsOf(t.hex);
      expect(decisions).toHaveLength(1);
      // Configured order decides the provenance: errors first, then everything.
      expect(decisions[0]).toMatchObject({
        sampled: true,
        policy: t.errorCount > 0 ? 'errors' : 'everything',
        policyVersion: v2,
        spanCount: 3,
      });
      expect(out.keptSpanKeys(t.hex)).toEqual(t.spanKeys);
    }
    metrics = await scrapeMetrics(sampler!.opsPort);
    expect(metricSum(metrics, 'tailstream_sampler_decisions_total', { policy: 'everything', outcome: 'kept' })).toBe(3);
  });
});

import { createKafka, ensureTopics, topicNames } from '@tailstream/kafka';
import { createLogger } from '@tailstream/telemetry';
import { testInfra, uniqueGroupId, uniqueTopicPrefix } from '@tailstream/test-harness';
import type { Kafka } from 'kafkajs';
import { OutputCollector, SpanProducer, waitUntil } from './test-support/kafka-io';
import { metricSum, scrapeMetrics } from '@tailstream/test-harness';
import { ERRORS_POLICY, policyVersionOf, testSamplerConfig, writePolicyFile } from './test-support/sampler-setup';
import { Traffic } from './test-support/traffic';
import { startSampler, type RunningSampler } from './worker';

const logger = createLogger({ name: 'sampler-it', level: process.env.SAMPLER_IT_LOG ?? 'silent' });
const PARTITIONS = 4;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('two tail-samplers in one group while partitions move', () => {
  const brokers = testInfra().kafkaBrokers;
  const prefix = uniqueTopicPrefix('sampler-rb');
  const topics = topicNames(prefix);
  const groupId = uniqueGroupId('sampler-rb');
  const policyFile = writePolicyFile(ERRORS_POLICY);
  let kafka: Kafka;
  let producer: SpanProducer;
  let out: OutputCollector;
  const running: RunningSampler[] = [];

  const start = async (): Promise<RunningSampler> => {
    const s = await startSampler(testSamplerConfig({ brokers, prefix, groupId, policyFile, partitions: PARTITIONS }), { logger });
    running.push(s);
    return s;
  };
  const stop = async (s: RunningSampler): Promise<void> => {
    running.splice(running.indexOf(s), 1);
    await s.stop();
  };

  beforeAll(async () => {
    kafka = createKafka({ brokers: brokers.split(','), clientId: 'sampler-it' }, logger);
    await ensureTopics(kafka, { prefix, partitions: PARTITIONS, replicationFactor: 1 });
    producer = new SpanProducer(kafka, topics.spans);
    await producer.connect();
    out = new OutputCollector(kafka, topics);
    await out.start();
  });

  afterAll(async () => {
    for (const s of [...running]) await s.stop();
    await producer?.disconnect();
    await out?.stop();
  });

  it('decides every trace on its full content, never split, with the same outcome in every copy', async () => {
    const traffic = new Traffic(producer, { seed: 7, startEveryMs: 60, recordGapMs: 120, recordsPerTrace: 3 });
    const a = await start();
    traffic.start();
    await waitUntil(
      () => a.handler.assigned.length === PARTITIONS,
      30000,
      () => `A holds all ${PARTITIONS} partitions (has ${a.handler.assigned.join(',')})`,
    );
    await sleep(2000);

    const b = await start();
    await waitUntil(
      () => b.handler.assigned.length > 0 && a.handler.assigned.length + b.handler.assigned.length === PARTITIONS,
      30000,
      () => `A and B share the partitions (A ${a.handler.assigned.join(',')}; B ${b.handler.assigned.join(',')})`,
    );
    const moved = b.handler.assigned.length;
    await sleep(2500);

    // A kept some partitions through B's arrival; kafkajs restarts kept partitions at their last
    // commit, i.e. before records A had already handled: they must not be handled twice.
    const metricsA = await scrapeMetrics(a.opsPort);
    await stop(a);
    await waitUntil(
      () => b.handler.assigned.length === PARTITIONS,
      30000,
      () => `B holds all partitions (has ${b.handler.assigned.join(',')})`,
    );
    await sleep(2000);
    await traffic.stop();

    const traces = traffic.traces;
    const isKept = (hex: string): boolean => traces.find((t) => t.hex === hex)!.errorCount > 0;
    await waitUntil(
      () => traces.every((t) => out.decisionsOf(t.hex).length > 0 && (!isKept(t.hex) || out.keptSpanKeys(t.hex).size >= t.spanKeys.size)),
      60000,
      () => `all ${traces.length} traces decided (have ${out.decidedTraces().size}) and kept ones complete`,
    );
    const metricsB = await scrapeMetrics(b.opsPort);
    await stop(b);

    const version = policyVersionOf(ERRORS_POLICY);
    const problems: string[] = [];
    for (const t of traces) {
      const sampled = t.errorCount > 0;
      for (const d of out.decisionsOf(t.hex)) {
        if (d.spanCount !== t.spanKeys.size) problems.push(`${t.hex}: decided with ${d.spanCount} of ${t.spanKeys.size} spans`);
        if (d.sampled !== sampled || d.policy !== (sampled ? 'errors' : '') || d.policyVersion !== version) {
          problems.push(`${t.hex}: decision ${d.sampled}/${d.policy}, expected ${sampled}`);
        }
      }
      const keptKeys = out.keptSpanKeys(t.hex);
      if (sampled) {
        const missing = [...t.spanKeys].filter((k) => !keptKeys.has(k)).length;
        const extra = [...keptKeys].filter((k) => !t.spanKeys.has(k)).length;
        if (missing > 0 || extra > 0) problems.push(`${t.hex}: kept spans missing ${missing}, extra ${extra}`);
        for (const k of out.keptOf(t.hex))
          if (k.decision.spanCount !== t.spanKeys.size) problems.push(`${t.hex}: kept record with spanCount ${k.decision.spanCount}`);
      } else if (keptKeys.size > 0) {
        problems.push(`${t.hex}: dropped trace has ${keptKeys.size} kept spans`);
      }
    }
    const duplicates = out.decisions.length - out.decidedTraces().size;
    const summaryDuplicates = out.summaries.length - new Set(out.summaries.map((s) => s.key)).size;
    console.log(
      `[rebalance] traces=${traces.length} kept=${traces.filter((t) => t.errorCount > 0).length} partitions moved to B=${moved} ` +
        `decision records=${out.decisions.length} duplicate decisions=${duplicates} duplicate summaries=${summaryDuplicates} ` +
        `late spans A=${metricSum(metricsA, 'tailstream_sampler_late_spans_total')} B=${metricSum(metricsB, 'tailstream_sampler_late_spans_total')} ` +
        `duplicate spans A=${metricSum(metricsA, 'tailstream_sampler_duplicate_spans_total')} B=${metricSum(metricsB, 'tailstream_sampler_duplicate_spans_total')} ` +
        `B replay-skipped spans=${metricSum(metricsB, 'tailstream_sampler_replay_skipped_spans_total')} kept span records=${out.kept.reduce((n, k) => n + k.value.batch.spans.length, 0)}`,
    );
    expect(problems).toEqual([]);
    // Records re-delivered to the instance that handled them are neither late nor duplicate spans.
    expect(metricSum(metricsA, 'tailstream_sampler_late_spans_total')).toBe(0);
    expect(metricSum(metricsA, 'tailstream_sampler_duplicate_spans_total')).toBe(0);
    expect(metricSum(metricsB, 'tailstream_sampler_duplicate_spans_total')).toBe(0);
    expect(out.decidedTraces().size).toBe(traces.length);
    expect(traces.length).toBeGreaterThan(50);
  });
});

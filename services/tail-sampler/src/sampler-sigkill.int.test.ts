import { execFileSync } from 'node:child_process';
import { createKafka, ensureTopics, fetchCommitted, topicNames } from '@tailstream/kafka';
import { createLogger } from '@tailstream/telemetry';
import { testInfra, uniqueGroupId, uniqueTopicPrefix } from '@tailstream/test-harness';
import type { Kafka } from 'kafkajs';
import { decodeReplayMark } from './partition-state';
import { OutputCollector, SpanProducer, waitUntil, type Produced } from './test-support/kafka-io';
import { metricSum, scrapeMetrics } from '@tailstream/test-harness';
import { ERRORS_POLICY, policyVersionOf, writePolicyFile } from './test-support/sampler-setup';
import { REPO_ROOT, SamplerProcess, samplerEnv } from './test-support/sampler-process';
import { batchSpanKeys, lateBatch, makeTrace, type TestTrace } from './test-support/traces';

const logger = createLogger({ name: 'sampler-it', level: 'silent' });
const PARTITIONS = 2;

function traces(seed: number, count: number, records: number): TestTrace[] {
  return Array.from({ length: count }, (_, i) =>
    makeTrace({ seed, index: i, spanCount: 3 + (i % 3), records, errorSpans: i % 2 === 0 ? [1] : [], services: ['api', 'db'] }),
  );
}

describe('tail-sampler killed with SIGKILL and restarted', () => {
  const brokers = testInfra().kafkaBrokers;
  const prefix = uniqueTopicPrefix('sampler-kill');
  const topics = topicNames(prefix);
  const groupId = uniqueGroupId('sampler-kill');
  const policyFile = writePolicyFile(ERRORS_POLICY);
  const env = samplerEnv({
    'kafka.brokers': brokers,
    'kafka.topicPrefix': prefix,
    'ops.port': 0,
    groupId,
    'policy.file': policyFile,
    'decision.waitMs': 8000,
    'decision.waitAfterRootMs': 300,
    'decision.tickMs': 100,
    'decision.idleAdvanceMs': 300,
    'topics.partitions': PARTITIONS,
    'output.lingerMs': 2,
    'log.level': 'info',
  });
  let kafka: Kafka;
  let producer: SpanProducer;
  let out: OutputCollector;
  const processes: SamplerProcess[] = [];

  beforeAll(async () => {
    // The child runs the built service: build it (incremental, fast when up to date).
    execFileSync('npx', ['tsc', '-b', 'services/tail-sampler'], { cwd: REPO_ROOT, stdio: 'pipe' });
    kafka = createKafka({ brokers: brokers.split(','), clientId: 'sampler-it' }, logger);
    await ensureTopics(kafka, { prefix, partitions: PARTITIONS, replicationFactor: 1 });
    producer = new SpanProducer(kafka, topics.spans);
    await producer.connect();
    out = new OutputCollector(kafka, topics);
    await out.start();
  }, 120000);

  afterAll(async () => {
    for (const p of processes) await p.kill('SIGKILL');
    await producer?.disconnect();
    await out?.stop();
  });

  it('loses no trace: undecided traces are replayed whole, decided ones are not re-decided, late spans follow the cached decisions', async () => {
    const version = policyVersionOf(ERRORS_POLICY);
    const first = await SamplerProcess.start(env, 60000);
    processes.push(first);

    // Pending: the children of 6 traces (no root: decided only after decision.waitMs = 8 s).
    const pending = traces(11, 6, 2);
    await producer.send(pending.map((t) => t.batches[0]!));
    // Done: 10 complete traces after them (decided ~300 ms after their root), so the partitions'
    // commit stays below the pending traces while the replay mark moves past the done ones.
    const done = traces(12, 10, 2);
    const doneProduced: Produced[] = await producer.send(done.flatMap((t) => t.batches));

    await waitUntil(
      () =>
        done.every((t) => out.decisionsOf(t.hex).length === 1 && (t.errorCount === 0 || out.keptSpanKeys(t.hex).size === t.spanKeys.size)),
      30000,
      () => `the ${done.length} complete traces decided (have ${done.filter((t) => out.decisionsOf(t.hex).length > 0).length})`,
    );
    // The replay mark must record that the done traces' records were handled before the kill.
    const lastDoneOffset = new Map<number, bigint>();
    for (const p of doneProduced) if (p.offset > (lastDoneOffset.get(p.partition) ?? -1n)) lastDoneOffset.set(p.partition, p.offset);
    await waitUntil(
      async () => {
        const committed = await fetchCommitted(kafka, groupId, topics.spans);
        return [...lastDoneOffset].every(([partition, offset]) => decodeReplayMark(committed.get(partition)?.metadata) > offset);
      },
      15000,
      () => 'replay marks past the done traces',
    );
    // The pending traces are still buffered in the process being killed.
    await waitUntil(
      async () => metricSum(await scrapeMetrics(first.opsPort), 'tailstream_sampler_buffered_traces') === pending.length,
      10000,
      () => `${pending.length} traces buffered before the kill`,
    );
    const committedBeforeKill = await fetchCommitted(kafka, groupId, topics.spans);
    expect(pending.filter((t) => out.decisionsOf(t.hex).length > 0)).toEqual([]);

    expect(await first.kill('SIGKILL')).toBeNull();

    // While no sampler runs: the pending traces' roots, late spans of one kept and one dropped done
    // trace, and new traces.
    await producer.send(pending.map((t) => t.batches[1]!));
    const lateKeptTrace = done.find((t) => t.errorCount > 0)!;
    const lateDroppedTrace = done.find((t) => t.errorCount === 0)!;
    const lateKept = lateBatch(lateKeptTrace, 2);
    const lateDropped = lateBatch(lateDroppedTrace, 1);
    await producer.send([lateKept, lateDropped]);
    const fresh = traces(13, 6, 2);
    await producer.send(fresh.flatMap((t) => t.batches));

    // The restart joins once the killed member's session (30 s) expired.
    const second = await SamplerProcess.start(env, 90000);
    processes.push(second);
    const all = [...pending, ...done, ...fresh];
    const lateKeptKeys = new Set(batchSpanKeys(lateKept));
    await waitUntil(
      async () =>
        all.every((t) => out.decisionsOf(t.hex).length > 0 && (t.errorCount === 0 || out.keptSpanKeys(t.hex).size >= t.spanKeys.size)) &&
        [...lateKeptKeys].every((k) => out.keptSpanKeys(lateKeptTrace.hex).has(k)) &&
        metricSum(await scrapeMetrics(second.opsPort), 'tailstream_sampler_late_spans_total', { outcome: 'dropped' }) >= 1,
      60000,
      () =>
        `every trace decided after the restart (have ${all.filter((t) => out.decisionsOf(t.hex).length > 0).length} of ${all.length}) and late spans routed`,
    );
    const metrics = await scrapeMetrics(second.opsPort);

    // No trace lost, none decided on part of its spans, kept traces complete.
    for (const t of all) {
      const sampled = t.errorCount > 0;
      for (const d of out.decisionsOf(t.hex)) {
        expect({ trace: t.hex, ...d, traceId: undefined, decidedAtUnixMs: undefined }).toMatchObject({
          trace: t.hex,
          sampled,
          policy: sampled ? 'errors' : '',
          policyVersion: version,
          spanCount: t.spanKeys.size,
        });
      }
      const keptKeys = out.keptSpanKeys(t.hex);
      if (sampled) for (const k of t.spanKeys) expect(keptKeys.has(k)).toBe(true);
      else expect(keptKeys.size).toBe(0);
    }
    // Records handled before the kill (below the replay mark) were skipped, not decided again.
    for (const t of done) expect(out.decisionsOf(t.hex)).toHaveLength(1);
    expect(metricSum(metrics, 'tailstream_sampler_replay_skipped_spans_total')).toBeGreaterThan(0);

    // Late spans after the restart follow the decisions read back from the decisions topic.
    const forwarded = out.keptOf(lateKeptTrace.hex).filter((k) => batchSpanKeys(k.batch).some((key) => lateKeptKeys.has(key)));
    expect(forwarded).toHaveLength(1);
    expect(forwarded[0]!.decision).toMatchObject({
      sampled: true,
      policy: 'errors',
      policyVersion: version,
      spanCount: lateKeptTrace.spanKeys.size,
    });
    expect(out.keptOf(lateDroppedTrace.hex)).toHaveLength(0);
    expect(metricSum(metrics, 'tailstream_sampler_late_spans_total', { outcome: 'forwarded' })).toBe(2);
    expect(metricSum(metrics, 'tailstream_sampler_late_spans_total', { outcome: 'dropped' })).toBe(1);

    const duplicates = out.decisions.length - out.decidedTraces().size;
    const marks = [...committedBeforeKill].map(([p, c]) => `p${p}: offset ${c.offset} mark ${decodeReplayMark(c.metadata)}`).join(', ');
    console.log(
      `[sigkill] traces=${all.length} decision records=${out.decisions.length} duplicate decisions=${duplicates} ` +
        `replay-skipped spans=${metricSum(metrics, 'tailstream_sampler_replay_skipped_spans_total')} committed before kill: ${marks}`,
    );
    expect(duplicates).toBe(0);

    expect(await second.kill('SIGTERM')).toBe(0);
  });
});

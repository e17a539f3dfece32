/**
 * End to end: load generator (fixed seed) → ingest over OTLP/HTTP → Kafka → tail-sampler (keep
 * errors, keep latency ≥ X, probabilistic 10 %) → aggregator → ClickHouse, all real. The
 * assertions compare ClickHouse with the generator's own ground truth, exactly.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendOtlpHttp, TrafficGenerator, type GroundTruth, type TraceTruth } from '@tailstream/loadgen';
import { loadAggregatorConfig, startAggregator, type RunningAggregator } from '@tailstream/service-aggregator';
import { loadIngestConfig, startIngest, type RunningIngest } from '@tailstream/service-ingest';
import { loadSamplerConfig, startSampler, type RunningSampler } from '@tailstream/service-tail-sampler';
import { createLogger } from '@tailstream/telemetry';
import { testInfra, uniqueDatabase, uniqueGroupId, uniqueTopicPrefix } from '@tailstream/test-harness';

const TRACES = 2500;
const SEED = 20261125;
const LATENCY_THRESHOLD_MS = 250;
const PERCENTAGE = 10;

const logger = createLogger({ name: 'e2e', level: process.env.E2E_LOG_LEVEL ?? 'silent' });

/** FNV-1a 64 over salt ‖ trace ID, written here from the algorithm's definition (not the sampler's code). */
function fnv1a64(bytes: Buffer): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h;
}

function expectedKept(trace: TraceTruth): boolean {
  if (trace.hasError) return true;
  if (BigInt(trace.durationNano) >= BigInt(LATENCY_THRESHOLD_MS) * 1_000_000n) return true;
  const threshold = (((1n << 64n) - 1n) * BigInt(PERCENTAGE)) / 100n;
  return fnv1a64(Buffer.concat([Buffer.from('default-hash-seed'), Buffer.from(trace.traceId, 'hex')])) <= threshold;
}

async function until<T>(what: string, probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 500));
    last = await probe();
  }
  return last;
}

describe('the whole pipeline against its ground truth', () => {
  const prefix = uniqueTopicPrefix('e2e');
  const database = uniqueDatabase('e2e');
  const group = uniqueGroupId('e2e');
  let ingest: RunningIngest;
  let sampler: RunningSampler;
  let aggregator: RunningAggregator;
  let truth: GroundTruth;

  beforeAll(async () => {
    const infra = testInfra();
    const brokers = infra.kafkaBrokers.split(',');
    const dir = mkdtempSync(join(tmpdir(), 'tailstream-e2e-'));
    const policyFile = join(dir, 'policies.yaml');
    writeFileSync(
      policyFile,
      `tail_sampling:
  decision_wait: 4s
  policies:
    - name: errors
      type: status_code
      status_code: {status_codes: [ERROR]}
    - name: slow
      type: latency
      latency: {threshold_ms: ${LATENCY_THRESHOLD_MS}}
    - name: baseline
      type: probabilistic
      probabilistic: {sampling_percentage: ${PERCENTAGE}}
`,
    );
    const kafka = { 'kafka.brokers': brokers, 'kafka.topicPrefix': prefix, 'ops.port': 0, 'topics.partitions': 4 };
    aggregator = await startAggregator(
      loadAggregatorConfig({
        env: {},
        overrides: {
          ...kafka,
          groupId: `${group}-agg`,
          'clickhouse.url': infra.clickhouseUrl ?? '',
          'clickhouse.database': database,
          'clickhouse.dataPath': join(dir, 'chdb'),
          'red.idleFlushMs': 1000,
          'spans.maxDelayMs': 500,
          'summaries.maxDelayMs': 500,
        },
      }),
      { logger },
    );
    sampler = await startSampler(
      loadSamplerConfig({
        env: {},
        overrides: {
          ...kafka,
          groupId: `${group}-sampler`,
          'policy.file': policyFile,
          'decision.waitAfterRootMs': 0,
          'decision.tickMs': 100,
          'decision.idleAdvanceMs': 500,
        },
      }),
      { logger },
    );
    ingest = await startIngest(loadIngestConfig({ env: {}, overrides: { ...kafka, 'otlpHttp.port': 0, 'grpc.port': 0, 'producer.lingerMs': 2 } }), { logger });

    const generator = new TrafficGenerator({ seed: SEED, traces: TRACES, realtime: true, errorRate: 0.05 });
    const sent = await sendOtlpHttp({
      url: `http://127.0.0.1:${ingest.otlpHttpPort}/v1/traces`,
      source: generator,
      asFastAsPossible: true,
      concurrency: 4,
    });
    truth = generator.groundTruth.toJSON();
    if (process.env.E2E_DEBUG) console.log(prefix, JSON.stringify({ retries: sent.retries, statuses: sent.statuses, elapsedMs: sent.elapsedMs }));
    expect(sent.spansFailed).toBe(0);
    expect(sent.spansRejected).toBe(0);
    expect(sent.spansAccepted).toBe(truth.totals.spans);
  }, 300_000);

  afterAll(async () => {
    await ingest?.stop();
    await sampler?.stop();
    await aggregator?.stop();
  }, 120_000);

  const query = <T>(sql: string): Promise<T[]> => aggregator.clickhouse.query<T>(sql);

  it('RED calls and errors per (service, operation, kind, status) equal the ground truth exactly', async () => {
    const total = await until(
      'every span to be counted in red_metrics',
      async () => Number((await query<{ calls: string }>(`SELECT sum(Calls) AS calls FROM ${database}.red_metrics`))[0]?.calls ?? 0),
      (calls) => calls >= truth.totals.spans,
    );
    expect(total).toBe(truth.totals.spans);
    const rows = await query<{ s: string; n: string; k: string; c: string; calls: string; errors: string }>(
      `SELECT ServiceName AS s, SpanName AS n, SpanKind AS k, StatusCode AS c, sum(Calls) AS calls, sum(Errors) AS errors
       FROM ${database}.red_metrics GROUP BY s, n, k, c ORDER BY s, n, k, c`,
    );
    const actual = rows.map((r) => ({ service: r.s, spanName: r.n, spanKind: r.k, statusCode: r.c, calls: Number(r.calls), errors: Number(r.errors) }));
    const expected = [...truth.operations].sort((a, b) =>
      a.service < b.service ? -1 : a.service > b.service ? 1 : a.spanName < b.spanName ? -1 : a.spanName > b.spanName ? 1 : a.spanKind < b.spanKind ? -1 : a.spanKind > b.spanKind ? 1 : a.statusCode < b.statusCode ? -1 : a.statusCode > b.statusCode ? 1 : 0,
    );
    expect(actual).toEqual(expected);
  }, 240_000);

  it('keeps exactly the traces the policy selects, each with all its spans, none duplicated, summaries matching', async () => {
    const traces = truth.traces ?? [];
    expect(traces).toHaveLength(TRACES);
    const expected = traces.filter(expectedKept);
    expect(expected.length).toBeGreaterThan(TRACES * 0.1);
    expect(expected.length).toBeLessThan(TRACES);
    const expectedSpans = expected.reduce((n, t) => n + t.spanCount, 0);

    await until(
      'every kept trace summary and span in ClickHouse',
      async () => {
        const [s] = await query<{ n: string }>(`SELECT count() AS n FROM ${database}.trace_summaries FINAL`);
        const [o] = await query<{ n: string }>(`SELECT count() AS n FROM ${database}.otel_traces`);
        return { summaries: Number(s?.n ?? 0), spans: Number(o?.n ?? 0) };
      },
      (v) => v.summaries >= expected.length && v.spans >= expectedSpans,
    );
    // Let in-flight inserts land before asserting exact equality (nothing more may arrive).
    await new Promise((r) => setTimeout(r, 2000));

    const keptIds = (await query<{ id: string }>(`SELECT DISTINCT TraceId AS id FROM ${database}.otel_traces`)).map((r) => r.id).sort();
    expect(keptIds).toEqual(expected.map((t) => t.traceId).sort());

    const [counts] = await query<{ rows: string; unique: string }>(`SELECT count() AS rows, uniqExact(TraceId, SpanId) AS unique FROM ${database}.otel_traces`);
    expect(Number(counts?.rows)).toBe(expectedSpans);
    expect(Number(counts?.unique)).toBe(expectedSpans);

    const spansByTrace = new Map<string, string[]>();
    for (const r of await query<{ t: string; s: string }>(`SELECT TraceId AS t, SpanId AS s FROM ${database}.otel_traces`)) {
      const list = spansByTrace.get(r.t) ?? [];
      list.push(r.s);
      spansByTrace.set(r.t, list);
    }
    for (const t of expected) expect([...(spansByTrace.get(t.traceId) ?? [])].sort()).toEqual([...t.spanIds].sort());

    const summaries = await query<{ TraceId: string; Duration: string; SpanCount: number; ErrorCount: number; RootServiceName: string; RootSpanName: string; Services: string[]; Policy: string; AdjustedCount: number }>(
      `SELECT TraceId, Duration, SpanCount, ErrorCount, RootServiceName, RootSpanName, Services, Policy, AdjustedCount FROM ${database}.trace_summaries FINAL ORDER BY TraceId`,
    );
    expect(summaries).toHaveLength(expected.length);
    const byId = new Map(expected.map((t) => [t.traceId, t]));
    if (process.env.E2E_DEBUG) {
      const metrics = await (await fetch(`http://127.0.0.1:${sampler.opsPort}/metrics`)).text();
      console.log(metrics.split('\n').filter((l) => /late_spans|decision_triggers|duplicate|replay/.test(l) && !l.startsWith('#')).join('\n'));
      for (const s of summaries) {
        const t = byId.get(s.TraceId)!;
        if (Number(s.SpanCount) !== t.spanCount) console.log('mismatch', s.TraceId, s.SpanCount, t.spanCount);
      }
    }
    for (const s of summaries) {
      const t = byId.get(s.TraceId)!;
      expect({ duration: String(s.Duration), spans: Number(s.SpanCount), errors: Number(s.ErrorCount), root: [s.RootServiceName, s.RootSpanName], services: s.Services }).toEqual({
        duration: t.durationNano,
        spans: t.spanCount,
        errors: t.errorCount,
        root: [t.rootService, t.rootSpanName],
        services: t.services,
      });
      const policy = t.hasError ? 'errors' : BigInt(t.durationNano) >= BigInt(LATENCY_THRESHOLD_MS) * 1_000_000n ? 'slow' : 'baseline';
      expect(s.Policy).toBe(policy);
      expect(Number(s.AdjustedCount)).toBe(policy === 'baseline' ? 100 / PERCENTAGE : 1);
    }
  }, 240_000);
});

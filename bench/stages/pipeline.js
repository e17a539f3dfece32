'use strict';
/**
 * Stage `pipeline`: the whole pipeline co-located, as `tailstream up` runs it: ingest,
 * tail-sampler and aggregator as child processes (embedded ClickHouse in the aggregator), the
 * Kafka broker on the same machine, and the load generator's traffic sent from this process as
 * fast as ingest accepts it (pre-encoded, re-timed to "now" as each request leaves), with the
 * settings `tailstream up` uses: deploy/policies/default.yaml, no Kafka compression, a larger
 * V8 young generation (the stage benches run the workers' defaults instead).
 * Figures: sustained spans/s accepted by ingest, CPU cores and peak RSS per process, spans per
 * CPU-second of the whole pipeline, and p50/p99 latency from span end to row in otel_traces for
 * kept traces (which includes the tail-sampling decision wait: 500 ms of quiet after the root,
 * 3 s without a root, and the aggregator's 1 s insert batching).
 */
const fs = require('fs');
const path = require('path');
const { ROOT, freePort, startWorker, sleep } = require('../lib/workers');
const { sendRequests } = require('../lib/http-sender');
const { ProcessWatch } = require('../lib/proc');
const { decisionCodec, SCHEMA_HEADER } = require('@tailstream/avro');
const { toHex } = require('@tailstream/model');
const { LatencyPoller, quantiles } = require('../lib/latency-poller');
const { readTopic } = require('../lib/kafka');
const prom = require('../lib/prom');
const { DECISION_ENV } = require('./sampler');
const { WORKER_NODE_ARGS } = require('../../packages/cli/dist/worker-node-args');

/** The policies `tailstream up` runs with (errors, slow traces, 10 % of the rest). */
const POLICY_FILE = path.join(ROOT, 'deploy', 'policies', 'default.yaml');

const lagOf = (aggregatorMetrics) =>
  ['red', 'spans', 'summaries'].reduce((n, s) => n + prom.sum(aggregatorMetrics, `tailstream_aggregator_${s}_consumer_lag_messages`), 0);

/**
 * Splits each kept trace's latency at its decision: the decisions topic holds the sampler's
 * wall-clock decision time per trace (decidedAtUnixMs), so span end → decision (tail-sampling
 * wait and sampler lag) and decision → row (Kafka, aggregator batching, ClickHouse insert).
 */
async function latencySplit(ctx, topic, expected, latencies) {
  const codec = decisionCodec();
  const decidedAt = new Map();
  await readTopic(ctx.kafka, topic, expected, (m) => {
    const d = codec.decode(m.value, m.headers?.[SCHEMA_HEADER]?.toString() ?? codec.schemaId);
    decidedAt.set(toHex(d.traceId), Number(d.decidedAtUnixMs));
  });
  const toDecision = [];
  const decisionToRow = [];
  for (const [trace, { endMs, seenAtMs }] of latencies) {
    const at = decidedAt.get(trace);
    if (at === undefined) continue;
    toDecision.push(at - endMs);
    decisionToRow.push(seenAtMs - at);
  }
  return { decisionsRead: decidedAt.size, toDecision: quantiles(toDecision), decisionToRow: quantiles(decisionToRow) };
}

/** Error log lines (pino level ≥ 50) per worker and message, from the workers' log files. */
function countErrors(workers) {
  const out = {};
  for (const w of workers) {
    let text = '';
    try {
      text = fs.readFileSync(w.logFile, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line);
        if (entry.level < 50) continue;
        const key = `${w.label}: ${String(entry.err?.message ?? entry.msg).slice(0, 120)}`;
        out[key] = (out[key] ?? 0) + 1;
      } catch {
        // not a log entry
      }
    }
  }
  return out;
}

module.exports = {
  name: 'pipeline',
  summary: 'whole pipeline co-located (3 worker processes + broker + embedded ClickHouse + load generator), max rate',
  async run(ctx) {
    const traffic = ctx.traffic();
    const requests = traffic.requests;
    const spans = traffic.spans;
    const prefix = ctx.prefix('pipeline');
    const database = `bench_${ctx.runId.replace(/-/g, '_')}_pipeline`;
    const ports = { otlp: await freePort(), ingest: await freePort(), sampler: await freePort(), aggregator: await freePort() };
    // As `tailstream up` runs them: no Kafka compression (everything is on one machine, a codec
    // would only cost CPU) and the node flags of WORKER_NODE_ARGS (ctx.nodeArgs).
    const common = {
      TAILSTREAM_INGEST_PRODUCER_COMPRESSION: 'none',
      TAILSTREAM_SAMPLER_OUTPUT_COMPRESSION: 'none',
      KAFKA_BROKERS: ctx.broker.brokers,
      TAILSTREAM_TOPIC_PREFIX: prefix,
    };
    const workers = [];
    try {
      // Order as in `tailstream up`: the aggregator applies the migrations first.
      workers.push(
        startWorker({
          command: 'aggregator',
          logDir: ctx.logDir,
          label: 'pipeline-aggregator',
          opsPort: ports.aggregator,
          nodeArgs: ctx.nodeArgs('pipeline-aggregator'),
          unset: ['CLICKHOUSE_URL'],
          env: {
            ...common,
            TAILSTREAM_AGGREGATOR_OPS_PORT: String(ports.aggregator),
            TAILSTREAM_AGGREGATOR_GROUP_ID: `${prefix}aggregator`,
            TAILSTREAM_AGGREGATOR_CLICKHOUSE_DATABASE: database,
            TAILSTREAM_AGGREGATOR_CLICKHOUSE_DATA_PATH: ctx.tempDir('pipeline-chdb'),
            TAILSTREAM_AGGREGATOR_RED_IDLE_FLUSH_MS: '2000',
          },
        }),
      );
      await workers[0].waitReady();
      workers.push(
        startWorker({
          command: 'sampler',
          logDir: ctx.logDir,
          label: 'pipeline-sampler',
          opsPort: ports.sampler,
          nodeArgs: ctx.nodeArgs('pipeline-sampler'),
          env: {
            ...common,
            TAILSTREAM_SAMPLER_OPS_PORT: String(ports.sampler),
            TAILSTREAM_SAMPLER_GROUP_ID: `${prefix}sampler`,
            TAILSTREAM_SAMPLER_POLICY_FILE: POLICY_FILE,
            TAILSTREAM_SAMPLER_POLICY_RELOAD_INTERVAL_MS: '0',
            ...DECISION_ENV,
          },
        }),
        startWorker({
          command: 'ingest',
          logDir: ctx.logDir,
          label: 'pipeline-ingest',
          opsPort: ports.ingest,
          nodeArgs: ctx.nodeArgs('pipeline-ingest'),
          env: { ...common, TAILSTREAM_INGEST_OPS_PORT: String(ports.ingest), TAILSTREAM_INGEST_OTLP_HTTP_PORT: String(ports.otlp), TAILSTREAM_INGEST_GRPC_PORT: '0' },
        }),
      );
      for (const w of workers) await w.waitReady();
      const [aggregator, sampler, ingest] = workers;
      ctx.say(
        `pipeline: workers ready; sending ${spans} spans of ${traffic.traces} traces in ${requests.length} requests, ${ctx.concurrency} in flight`,
      );

      const pids = {
        ingest: ingest.pid,
        sampler: sampler.pid,
        aggregator: aggregator.pid,
        broker: ctx.broker.pid,
        'load generator': process.pid,
      };
      const threadsOf = { threadsOf: ['ingest', 'sampler', 'aggregator'] };
      const sendWatch = new ProcessWatch(pids, threadsOf).start();
      const totalWatch = new ProcessWatch(pids, threadsOf).start();
      const poller = new LatencyPoller({ opsUrl: aggregator.opsUrl, database });
      poller.start();

      let previous = { at: Date.now(), spans: 0 };
      const progress = setInterval(() => {
        void (async () => {
          const [mi, ms, ma] = await Promise.all([ingest.metrics(), sampler.metrics(), aggregator.metrics()]);
          const accepted = prom.sum(mi, 'tailstream_ingest_spans_accepted_total');
          const now = Date.now();
          const rate = ((accepted - previous.spans) * 1000) / (now - previous.at);
          previous = { at: now, spans: accepted };
          const kept = prom.sum(ms, 'tailstream_sampler_decisions_total', { outcome: 'kept' });
          const decided = prom.sum(ms, 'tailstream_sampler_decisions_total');
          // Spans accepted by ingest and not yet read by the sampler / counted by RED.
          const samplerBehind = accepted - prom.sum(ms, 'tailstream_sampler_spans_received_total');
          const redBehind = accepted - prom.sum(ma, 'tailstream_aggregator_red_spans_total');
          ctx.say(
            `pipeline: in ${Math.round(rate)} spans/s (total ${accepted}) | sampler ${samplerBehind} spans behind, decided ${decided} traces, kept ${decided ? ((100 * kept) / decided).toFixed(1) : '0.0'} % | RED ${redBehind} spans behind | ${poller.latencies.size} kept traces in ClickHouse`,
          );
        })();
      }, 2000);

      let sent;
      try {
        sent = await sendRequests({ url: `http://127.0.0.1:${ports.otlp}/v1/traces`, requests, concurrency: ctx.concurrency });
      } finally {
        clearInterval(progress);
      }
      const sending = sendWatch.stop();
      const sendSeconds = (sent.lastAckMs - sent.firstSendMs) / 1000;
      ctx.say(`pipeline: all sent in ${sendSeconds.toFixed(1)} s; draining (decision waits, final inserts)...`);

      // Drained: every accepted span read by the sampler and counted by RED, nothing buffered in
      // the sampler, no rows waiting in the aggregator, no consumer lag, four polls in a row.
      // (The lag gauges alone are not enough: they read 0 between two fetches.)
      const target = prom.sum(await ingest.metrics(), 'tailstream_ingest_spans_accepted_total');
      const deadline = Date.now() + 180_000;
      let stable = 0;
      let ms = '';
      let ma = '';
      while (Date.now() < deadline && stable < 4) {
        await sleep(500);
        [ms, ma] = await Promise.all([sampler.metrics(), aggregator.metrics()]);
        const done =
          prom.sum(ms, 'tailstream_sampler_spans_received_total') >= target &&
          prom.sum(ma, 'tailstream_aggregator_red_spans_total') >= target &&
          prom.sum(ms, 'tailstream_sampler_buffered_traces') === 0 &&
          prom.sum(ms, 'tailstream_sampler_consumer_lag_messages') + lagOf(ma) + prom.sum(ma, 'tailstream_aggregator_rows_buffered') === 0;
        stable = done ? stable + 1 : 0;
      }
      const drainedAt = Date.now();
      if (stable < 4) {
        const decided = prom.sum(ms, 'tailstream_sampler_decisions_total');
        const received = prom.sum(ms, 'tailstream_sampler_spans_received_total');
        throw new Error(
          `the pipeline did not drain within 180 s (sampler: ${decided} of ${traffic.traces} traces decided, ${received} spans read of ${target}); ` +
            `worker errors: ${JSON.stringify(countErrors(workers))}; logs in ${ctx.logDir}`,
        );
      }
      await poller.stop();
      const total = totalWatch.stop();
      const mi = await ingest.metrics();
      const accepted = prom.sum(mi, 'tailstream_ingest_spans_accepted_total');
      if (accepted !== spans) throw new Error(`ingest accepted ${accepted} spans of ${spans}`);
      const kept = prom.sum(ms, 'tailstream_sampler_decisions_total', { outcome: 'kept' });
      const decided = prom.sum(ms, 'tailstream_sampler_decisions_total');
      const latency = poller.summary();
      const split = await latencySplit(ctx, `${prefix}decisions`, decided, poller.latencies);
      const [rowCount] = await (
        await fetch(
          `${aggregator.opsUrl}/query?sql=${encodeURIComponent(`SELECT count() AS n, uniqExact(TraceId) AS t FROM ${database}.otel_traces`)}`,
        )
      )
        .json()
        .then((b) => b.rows);

      const cpuSum = (u) => Object.values(u.processes).reduce((n, p) => n + (p.cpuSeconds ?? 0), 0);
      const workerCpu = (u) => ['ingest', 'sampler', 'aggregator'].reduce((n, k) => n + (u.processes[k]?.cpuSeconds ?? 0), 0);
      const result = {
        spans: accepted,
        traces: traffic.traces,
        requests: requests.length,
        sendSeconds,
        drainSeconds: (drainedAt - sent.lastAckMs) / 1000,
        sustainedSpansPerSecond: Math.round(accepted / sendSeconds),
        statuses: sent.statuses,
        networkErrors: sent.networkErrors,
        retries: sent.retries,
        whilePending: sending,
        wholeRun: total,
        spansPerCpuSecondWorkers: Math.round(accepted / workerCpu(total)),
        spansPerCpuSecondAll: Math.round(accepted / cpuSum(total)),
        decidedTraces: decided,
        keptTraces: kept,
        keptRatio: Math.round((1000 * kept) / Math.max(1, decided)) / 1000,
        keptSpanRows: Number(rowCount?.n),
        keptTracesInClickHouse: Number(rowCount?.t),
        redSpans: prom.sum(ma, 'tailstream_aggregator_red_spans_total'),
        workerErrors: countErrors(workers),
        latency,
        latencySplit: split,
        decisionWait: DECISION_ENV,
        workerSettings: {
          ...common,
          KAFKA_BROKERS: undefined,
          TAILSTREAM_TOPIC_PREFIX: undefined,
          nodeArgs: WORKER_NODE_ARGS,
          policyFile: 'deploy/policies/default.yaml',
        },
        samplerDecisionLatencySeconds: prom.histogram(ms, 'tailstream_sampler_decision_latency_seconds'),
        samplerBatches: prom.histogram(ms, 'tailstream_sampler_consumer_batch_messages'),
        samplerBatchProcessingSeconds: prom.histogram(ms, 'tailstream_sampler_consumer_batch_processing_seconds'),
        samplerDecisionReasons: prom.byLabel(ms, 'tailstream_sampler_decision_triggers_total', 'reason'),
        aggregatorInsertSeconds: prom.histogram(ma, 'tailstream_aggregator_insert_duration_seconds', { table: 'otel_traces' }),
        aggregatorInserts: prom.sum(ma, 'tailstream_aggregator_insert_batch_rows_count', { table: 'otel_traces' }),
      };
      ctx.say(
        `pipeline: ${result.sustainedSpansPerSecond} spans/s sustained; latency p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms over ${latency.traces} kept traces; CPU cores ${Object.entries(
          sending.processes,
        )
          .map(([k, p]) => `${k} ${p.coresUsed}`)
          .join(', ')}, other ${sending.machine.otherCores}`,
      );
      const p = sending.processes;
      return {
        rows: [
          {
            case: 'sustained, accepted by ingest (all processes on this machine)',
            spansPerSecond: result.sustainedSpansPerSecond,
            note: `target ≥ 50,000 spans/s on 2 cores: ${result.sustainedSpansPerSecond >= 50_000 ? 'met' : 'MISSED'}; kept ${(result.keptRatio * 100).toFixed(1)} % of traces, ${((100 * result.keptSpanRows) / accepted).toFixed(1)} % of spans; other load ${sending.machine.otherCores} cores`,
          },
          {
            case: 'spans per CPU-second of ingest + sampler + aggregator (send + drain)',
            spansPerCoreSecond: result.spansPerCpuSecondWorkers,
          },
          { case: 'spans per CPU-second incl. broker and load generator', spansPerCoreSecond: result.spansPerCpuSecondAll },
          ...Object.entries(p).map(([name, u]) => ({
            case: `process ${name}: cores used while sending`,
            peakRssMiB: u.peakRssMiB,
            note: `${u.coresUsed} cores${u.rssMiB !== undefined ? ` (this bench process: it holds the pre-encoded traffic, RSS ${u.rssMiB} MiB)` : ''}${
              u.cpuSecondsByThread
                ? `; CPU s by thread: ${Object.entries(u.cpuSecondsByThread)
                    .map(([t, sec]) => `${t} ${sec}`)
                    .join(', ')}`
                : ''
            }`,
          })),
          {
            case: 'latency split: span end → sampler decision → row in otel_traces',
            note: `decision p50 ${split.toDecision.p50Ms} ms, p99 ${split.toDecision.p99Ms} ms; decision → row p50 ${split.decisionToRow.p50Ms} ms, p99 ${split.decisionToRow.p99Ms} ms`,
          },
          {
            case: 'latency span end → row in otel_traces (kept traces)',
            note: `p50 ${latency.p50Ms} ms, p99 ${latency.p99Ms} ms, max ${latency.maxMs} ms over ${latency.traces} traces (includes 0.5 s root-quiet / 3 s decision wait, 1 s insert batching, 250 ms poll)`,
          },
        ],
        details: result,
      };
    } finally {
      // Stop in pipeline order: intake first.
      for (const w of [...workers].reverse()) await w.stop();
    }
  },
};

'use strict';
/**
 * Stage `aggregator`: the aggregator worker alone (child process, embedded ClickHouse in a
 * temporary data directory; and, when CLICKHOUSE_URL is set, that server too). Two runs, so each
 * job's CPU is its own:
 *   - RED: the spans topic pre-loaded with the traffic (as ingest writes it); RED and
 *     service-graph rows from every span. Figure: spans/s and spans per CPU second of the worker
 *     until every span is counted (tailstream_aggregator_red_spans_total).
 *   - loading: the sampled-spans and trace-summaries topics pre-loaded as if the sampler had kept
 *     every trace; figure: rows/s and rows per CPU second into otel_traces (+ trace_summaries)
 *     until every row is acknowledged (tailstream_aggregator_rows_inserted_total), checked with
 *     count() through the worker's /query endpoint.
 */
const { freePort, startWorker, sleep } = require('../lib/workers');
const { createTopics, produceRecords } = require('../lib/kafka');
const { spanRecords, keptRecords } = require('../lib/preload');
const { ProcessWatch } = require('../lib/proc');
const prom = require('../lib/prom');
const { takeSpans, decodeAsIngest } = require('../lib/traffic');

/** ClickHouse database of one aggregator run. */
const databaseName = (ctx, label) => `bench_${ctx.runId.replace(/-/g, '_')}_${label.replace(/-/g, '_')}`;

/** Env of an aggregator on `prefix`, embedded (dataPath) or against CLICKHOUSE_URL (server). */
function aggregatorEnv(ctx, prefix, opsPort, label, server) {
  const env = {
    KAFKA_BROKERS: ctx.broker.brokers,
    TAILSTREAM_TOPIC_PREFIX: prefix,
    TAILSTREAM_AGGREGATOR_OPS_PORT: String(opsPort),
    TAILSTREAM_AGGREGATOR_GROUP_ID: `${prefix}aggregator`,
    TAILSTREAM_AGGREGATOR_CLICKHOUSE_DATABASE: databaseName(ctx, label),
    TAILSTREAM_AGGREGATOR_RED_IDLE_FLUSH_MS: '2000',
  };
  if (!server) env.TAILSTREAM_AGGREGATOR_CLICKHOUSE_DATA_PATH = ctx.tempDir(label);
  return env;
}

/** Drops the bench's database on the CLICKHOUSE_URL server. */
async function dropServerDatabase(database) {
  const { createClickHouse } = require('@tailstream/store');
  const ch = createClickHouse({
    url: process.env.CLICKHOUSE_URL,
    username: process.env.CLICKHOUSE_USER,
    password: process.env.CLICKHOUSE_PASSWORD,
    database: 'default',
  });
  try {
    await ch.command(`DROP DATABASE IF EXISTS ${database}`);
  } finally {
    await ch.close();
  }
}

async function query(worker, sql) {
  const res = await fetch(`${worker.opsUrl}/query?sql=${encodeURIComponent(sql)}`);
  const body = await res.json();
  if (!res.ok) throw new Error(`query failed: ${body.error}`);
  return body.rows;
}

/** Starts an aggregator, watches it until `await done(metrics, worker)` is true; returns usage and the last metrics. */
async function runUntil(ctx, { label, prefix, server, done, timeoutMs }) {
  const opsPort = await freePort();
  const worker = startWorker({
    command: 'aggregator',
    label,
    logDir: ctx.logDir,
    opsPort,
    nodeArgs: ctx.nodeArgs(label),
    env: aggregatorEnv(ctx, prefix, opsPort, label, server),
    unset: server ? [] : ['CLICKHOUSE_URL'],
  });
  try {
    await worker.waitReady();
    const watch = new ProcessWatch({ aggregator: worker.pid, broker: ctx.broker.pid }, { threadsOf: ['aggregator'] }).start();
    const t0 = Date.now();
    let metrics = '';
    let finished = false;
    while (Date.now() - t0 < timeoutMs) {
      await sleep(500);
      metrics = await worker.metrics();
      if (await done(metrics, worker)) {
        finished = true;
        break;
      }
      if (!worker.running) throw new Error(`${label} exited; see ${worker.logFile}`);
    }
    const usage = watch.stop();
    if (!finished) throw new Error(`${label} did not finish within ${timeoutMs / 1000} s; see ${worker.logFile}`);
    return { worker, usage, metrics, seconds: (Date.now() - t0) / 1000 };
  } catch (error) {
    await worker.stop();
    throw error;
  }
}

async function redRun(ctx, decoded) {
  const { records, spans } = spanRecords(decoded);
  const prefix = ctx.prefix('aggregator-red');
  const topics = await createTopics(ctx.kafka, prefix);
  ctx.say(`aggregator: pre-loading ${spans} spans (${records.length} records) into ${topics.spans}`);
  await produceRecords(ctx.kafka, topics.spans, records);
  const run = await runUntil(ctx, {
    label: 'aggregator-red',
    prefix,
    server: false,
    timeoutMs: 300_000,
    done: async (m) => prom.sum(m, 'tailstream_aggregator_red_spans_total') >= spans,
  });
  const { worker, usage, metrics } = run;
  try {
    // Let the idle flush write the last RED rows (not part of the measured window).
    const deadline = Date.now() + 30_000;
    let last = metrics;
    while (Date.now() < deadline && prom.sum(last, 'tailstream_aggregator_rows_buffered', { table: 'red_metrics' }) > 0) {
      await sleep(500);
      last = await worker.metrics();
    }
    const cpu = usage.processes.aggregator.cpuSeconds;
    return {
      case: 'RED + service graph, embedded ClickHouse',
      spans,
      seconds: usage.wallSeconds,
      spansPerSecond: Math.round(spans / usage.wallSeconds),
      spansPerCoreSecond: Math.round(spans / cpu),
      peakRssMiB: usage.processes.aggregator.peakRssMiB,
      rowsInserted: prom.byLabel(last, 'tailstream_aggregator_rows_inserted_total', 'table'),
      lateSpans: prom.sum(last, 'tailstream_aggregator_red_late_spans'),
      usage,
    };
  } finally {
    await worker.stop();
  }
}

async function loadRun(ctx, kept, server) {
  const where = server ? 'ClickHouse server (CLICKHOUSE_URL)' : 'embedded ClickHouse';
  const label = server ? 'aggregator-load-http' : 'aggregator-load';
  const prefix = ctx.prefix(label);
  const topics = await createTopics(ctx.kafka, prefix);
  ctx.say(
    `aggregator: pre-loading ${kept.spans} kept spans of ${kept.traces} traces into ${topics.sampledSpans} and ${topics.traceSummaries}`,
  );
  await produceRecords(ctx.kafka, topics.sampledSpans, kept.kept);
  await produceRecords(ctx.kafka, topics.traceSummaries, kept.summaries);
  const inserted = (m, table) => prom.sum(m, 'tailstream_aggregator_rows_inserted_total', { table });
  const db = databaseName(ctx, label);
  const counts = async (worker) => {
    const [spans] = await query(worker, `SELECT count() AS n FROM ${db}.otel_traces`);
    const [summaries] = await query(worker, `SELECT count() AS n FROM ${db}.trace_summaries`);
    return { otel_traces: Number(spans.n), trace_summaries: Number(summaries.n) };
  };
  const run = await runUntil(ctx, {
    label,
    prefix,
    server,
    timeoutMs: 300_000,
    // rows_inserted_total also counts inserts ClickHouse dropped as duplicates (same dedup token,
    // e.g. batches fetched again after a rebalance): once it says done, the table has the word.
    done: async (m, worker) => {
      if (inserted(m, 'otel_traces') < kept.spans || inserted(m, 'trace_summaries') < kept.traces) return false;
      const c = await counts(worker);
      return c.otel_traces >= kept.spans && c.trace_summaries >= kept.traces;
    },
  });
  const { worker, usage, metrics } = run;
  try {
    const countInClickHouse = await counts(worker);
    const rows = kept.spans;
    const cpu = usage.processes.aggregator.cpuSeconds;
    return {
      case: `load kept spans into otel_traces, ${where}`,
      rows,
      rowsInsertedMetric: inserted(metrics, 'otel_traces'),
      summaries: inserted(metrics, 'trace_summaries'),
      countInClickHouse,
      seconds: usage.wallSeconds,
      rowsPerSecond: Math.round(rows / usage.wallSeconds),
      rowsPerCoreSecond: Math.round(rows / cpu),
      peakRssMiB: usage.processes.aggregator.peakRssMiB,
      insertBatches: prom.sum(metrics, 'tailstream_aggregator_insert_batch_rows_count', { table: 'otel_traces' }),
      insertSeconds: prom.histogram(metrics, 'tailstream_aggregator_insert_duration_seconds', { table: 'otel_traces' }),
      usage,
    };
  } finally {
    await worker.stop();
  }
}

module.exports = {
  name: 'aggregator',
  summary: 'aggregator worker (child process, embedded chdb; + CLICKHOUSE_URL if set): RED spans/s, rows/s into otel_traces',
  async run(ctx) {
    const traffic = ctx.traffic();
    const { requests } = takeSpans(traffic, ctx.quick ? 40_000 : 300_000);
    const decoded = decodeAsIngest(requests, BigInt(Date.now() - 60_000) * 1_000_000n);
    const red = await redRun(ctx, decoded);
    ctx.say(`aggregator: RED ${red.spansPerSecond} spans/s, ${red.spansPerCoreSecond} spans/s per core, peak RSS ${red.peakRssMiB} MiB`);

    const { requests: loadRequests } = takeSpans(traffic, ctx.quick ? 20_000 : 150_000);
    const kept = keptRecords(decodeAsIngest(loadRequests, BigInt(Date.now() - 60_000) * 1_000_000n));
    const loads = [await loadRun(ctx, kept, false)];
    if (process.env.CLICKHOUSE_URL) {
      try {
        loads.push(await loadRun(ctx, kept, true));
      } finally {
        await dropServerDatabase(databaseName(ctx, 'aggregator-load-http'));
      }
    }
    for (const l of loads)
      ctx.say(`aggregator: ${l.case}: ${l.rowsPerSecond} rows/s, ${l.rowsPerCoreSecond} rows/s per core, peak RSS ${l.peakRssMiB} MiB`);
    const note = (u) =>
      `aggregator ${u.processes.aggregator.coresUsed} cores, broker ${u.processes.broker?.coresUsed ?? '?'}, other ${u.machine.otherCores}`;
    return {
      rows: [
        {
          case: red.case,
          spansPerSecond: red.spansPerSecond,
          spansPerCoreSecond: red.spansPerCoreSecond,
          peakRssMiB: red.peakRssMiB,
          note: note(red.usage),
          target: 150_000,
        },
        ...loads.map((l) => ({
          case: `${l.case} (rows = spans)`,
          spansPerSecond: l.rowsPerSecond,
          spansPerCoreSecond: l.rowsPerCoreSecond,
          peakRssMiB: l.peakRssMiB,
          note: `${note(l.usage)}; count() ${l.countInClickHouse.otel_traces} of ${l.rows}`,
        })),
      ],
      details: { red, loads },
    };
  },
};

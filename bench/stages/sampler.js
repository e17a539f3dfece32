'use strict';
/**
 * Stage `sampler`: the tail-sampler worker alone. The spans topic is pre-loaded with the load
 * generator's traffic as ingest writes it (record timestamps follow the traffic's virtual
 * timeline, ~50k spans/s of data time, which is the sampler's clock), then the worker (child
 * process) runs with every policy type (bench/stages/policies-all.yaml) until every trace is
 * decided, once per Kafka compression (input and output): none, gzip and snappy (the workers'
 * default), and once more with snappy and a full decision cache (FULL_CACHE_DECISIONS decisions of
 * other traces pre-loaded into the decisions topic, as a long-running worker holds them). The
 * traffic is pre-loaded three times over (PASSES; later passes are new traces later on the same
 * timeline). Figures, after a warm-up of the first pass: consume → decide →
 * produce spans/s (wall, while consuming), spans per CPU second of the worker from the end of the
 * warm-up to the last decision (spans read after the warm-up only), peak RSS, keep rate. Then
 * bench/sampler-core.js (one thread, no Kafka): buffer + policies cost and heap per buffered span.
 */
const path = require('path');
const { freePort, startWorker, sleep, ROOT } = require('../lib/workers');
const { createTopics, produceRecords } = require('../lib/kafka');
const { spanRecords, timelineNs, decisionRecords } = require('../lib/preload');
const { ProcessWatch, mib } = require('../lib/proc');
const { runChildBench } = require('../lib/child-bench');
const prom = require('../lib/prom');
const { takeSpans, decodeAsIngest } = require('../lib/traffic');

const POLICY_FILE = path.join(ROOT, 'bench', 'stages', 'policies-all.yaml');
/**
 * The traffic is pre-loaded PASSES times, each pass as new traces later on the same timeline
 * (see spanRecords); the first pass is the warm-up, the others are measured. With --quick, one
 * pass, of which the first WARM_UP_SHARE is the warm-up.
 */
const PASSES = 3;
const WARM_UP_SHARE = 0.4;
/** Decision waits of the sampler and pipeline benches (short, as for a demo; see docs/performance.md). */
const DECISION_ENV = { TAILSTREAM_SAMPLER_DECISION_WAIT_MS: '3000', TAILSTREAM_SAMPLER_DECISION_WAIT_AFTER_ROOT_MS: '500' };

/**
 * Decisions pre-loaded for the run with a full decision cache: the worker's default
 * decisionCache.maxEntries, which a long-running sampler reaches after that many traces.
 */
const FULL_CACHE_DECISIONS = 1_000_000;

/**
 * One worker run; `compression` applies to the pre-loaded input and to the sampler's output.
 * With `cachedDecisions`, the decisions topic first gets that many decisions of other traces,
 * which the worker reads into its decision cache before it starts on the spans.
 */
async function workerRun(ctx, compression, cachedDecisions = 0) {
  const { requests } = takeSpans(ctx.traffic(), ctx.quick ? 40_000 : 400_000);
  const decoded = decodeAsIngest(requests, BigInt(Date.now() - 60_000) * 1_000_000n);
  const label = `sampler-${compression}${cachedDecisions ? '-full-cache' : ''}`;
  const prefix = ctx.prefix(label);
  const topics = await createTopics(ctx.kafka, prefix);
  const passes = ctx.quick ? 1 : PASSES;
  // Passes follow each other on the data-time clock, one second apart.
  const shiftNs = timelineNs(decoded) + 1_000_000_000n;
  let spans = 0;
  let traces = 0;
  let records = 0;
  let warmUpSpans = 0;
  if (cachedDecisions > 0) {
    ctx.say(`sampler: pre-loading ${cachedDecisions} decisions of other traces into ${topics.decisions} (a full decision cache)`);
    await produceRecords(ctx.kafka, topics.decisions, decisionRecords(cachedDecisions, Date.now() - 120_000), { compression });
  }
  for (let pass = 0; pass < passes; pass++) {
    const loaded = spanRecords(decoded, pass, shiftNs);
    ctx.say(`sampler: pre-loading pass ${pass + 1}/${passes}: ${loaded.spans} spans of ${loaded.traces} traces (${loaded.records.length} records) into ${topics.spans}`);
    await produceRecords(ctx.kafka, topics.spans, loaded.records, { compression });
    if (pass === 0) warmUpSpans = passes > 1 ? loaded.spans : Math.round(loaded.spans * WARM_UP_SHARE);
    spans += loaded.spans;
    traces += loaded.traces;
    records += loaded.records.length;
  }

  const opsPort = await freePort();
  const worker = startWorker({
    command: 'sampler',
    logDir: ctx.logDir,
    opsPort,
    nodeArgs: ctx.nodeArgs(label),
    env: {
      KAFKA_BROKERS: ctx.broker.brokers,
      TAILSTREAM_TOPIC_PREFIX: prefix,
      TAILSTREAM_SAMPLER_OPS_PORT: String(opsPort),
      TAILSTREAM_SAMPLER_GROUP_ID: `${prefix}sampler`,
      TAILSTREAM_SAMPLER_POLICY_FILE: POLICY_FILE,
      TAILSTREAM_SAMPLER_POLICY_RELOAD_INTERVAL_MS: '0',
      TAILSTREAM_SAMPLER_OUTPUT_COMPRESSION: compression,
      ...DECISION_ENV,
    },
  });
  try {
    await worker.waitReady();
    const deadline = Date.now() + (ctx.quick ? 120_000 : 300_000);
    // Warm-up before the clock (V8's optimizing compiler keeps compiling on background threads
    // for several seconds of load): the measurement starts once the worker has read the first
    // pass, and counts only the spans read after that.
    let warmedUp = 0;
    while (warmedUp < warmUpSpans) {
      await sleep(50);
      warmedUp = prom.sum(await worker.metrics(), 'tailstream_sampler_spans_received_total');
      if (!worker.running) throw new Error(`sampler exited; see ${worker.logFile}`);
      if (Date.now() > deadline) throw new Error(`sampler did not read its warm-up spans in time; see ${worker.logFile}`);
    }
    const measuredSpans = spans - warmedUp;
    const watch = new ProcessWatch({ sampler: worker.pid, broker: ctx.broker.pid }, { threadsOf: ['sampler'] }).start();
    const t0 = Date.now();
    let consumedAt;
    let decidedAt;
    let metrics = '';
    let peakBufferedSpans = 0;
    while (Date.now() < deadline) {
      await sleep(500);
      metrics = await worker.metrics();
      const received = prom.sum(metrics, 'tailstream_sampler_spans_received_total');
      const decided = prom.sum(metrics, 'tailstream_sampler_decisions_total');
      peakBufferedSpans = Math.max(peakBufferedSpans, prom.sum(metrics, 'tailstream_sampler_buffered_spans'));
      if (consumedAt === undefined && received >= spans) consumedAt = Date.now();
      if (consumedAt !== undefined && decided >= traces) {
        decidedAt = Date.now();
        break;
      }
      if (!worker.running) throw new Error(`sampler exited; see ${worker.logFile}`);
    }
    const usage = watch.stop();
    if (decidedAt === undefined) throw new Error(`sampler did not decide every trace in time; see ${worker.logFile}`);
    const kept = prom.sum(metrics, 'tailstream_sampler_decisions_total', { outcome: 'kept' });
    const decided = prom.sum(metrics, 'tailstream_sampler_decisions_total');
    const cpu = usage.processes.sampler.cpuSeconds;
    return {
      compression,
      cachedDecisions,
      spans,
      passes,
      warmUpSpans: warmedUp,
      measuredSpans,
      traces,
      records,
      consumeSeconds: (consumedAt - t0) / 1000,
      allDecidedSeconds: (decidedAt - t0) / 1000,
      spansPerSecond: Math.round(measuredSpans / ((consumedAt - t0) / 1000)),
      spansPerCoreSecond: Math.round(measuredSpans / cpu),
      peakRssMiB: usage.processes.sampler.peakRssMiB,
      peakBufferedSpans,
      keptTraces: kept,
      keptRatio: Math.round((1000 * kept) / decided) / 1000,
      decisionsByPolicy: prom.byLabel(metrics, 'tailstream_sampler_decisions_total', 'policy'),
      decisionReasons: prom.byLabel(metrics, 'tailstream_sampler_decision_triggers_total', 'reason'),
      lateSpans: prom.sum(metrics, 'tailstream_sampler_late_spans_total'),
      messagesProduced: prom.sum(metrics, 'tailstream_sampler_kafka_messages_produced_total'),
      batches: prom.histogram(metrics, 'tailstream_sampler_consumer_batch_messages'),
      batchProcessingSeconds: prom.histogram(metrics, 'tailstream_sampler_consumer_batch_processing_seconds'),
      produceLatencySeconds: prom.histogram(metrics, 'tailstream_sampler_kafka_produce_latency_seconds', { outcome: 'ok' }),
      usage,
    };
  } finally {
    await worker.stop();
  }
}

module.exports = {
  name: 'sampler',
  summary: 'tail-sampler worker (child process) on a pre-loaded spans topic, every policy type; sampler core and heap per buffered span',
  DECISION_ENV,
  POLICY_FILE,
  async run(ctx) {
    const runs = [];
    const cases = [
      ['none', 0],
      ['gzip', 0],
      ['snappy', 0],
      ['snappy', ctx.quick ? 100_000 : FULL_CACHE_DECISIONS],
    ];
    for (const [compression, cachedDecisions] of cases) {
      const w = await workerRun(ctx, compression, cachedDecisions);
      ctx.say(
        `sampler (compression ${compression}${cachedDecisions ? `, ${cachedDecisions} cached decisions` : ''}): ${w.spansPerSecond} spans/s while consuming, ${w.spansPerCoreSecond} spans/s per core, kept ${(w.keptRatio * 100).toFixed(1)} % of ${w.traces} traces, peak RSS ${w.peakRssMiB} MiB`,
      );
      runs.push(w);
    }
    ctx.say('sampler: bench/sampler-core.js (one thread: assembly + policies, heap per buffered span)');
    const core = await runChildBench({
      script: 'bench/sampler-core.js',
      args: ctx.quick ? ['--quick'] : [],
      nodeArgs: ['--expose-gc'],
      resultFile: 'bench/results/sampler-core.json',
      logFile: path.join(ctx.logDir, 'sampler-core.log'),
    });
    const heap = core.result.heap;
    return {
      rows: [
        ...runs.map((w) => ({
          case: `worker: consume → decide → produce, 16 policy types, compression ${w.compression}${w.cachedDecisions ? `, decision cache full (${w.cachedDecisions})` : ''}`,
          spansPerSecond: w.spansPerSecond,
          spansPerCoreSecond: w.spansPerCoreSecond,
          peakRssMiB: w.peakRssMiB,
          note: `kept ${(w.keptRatio * 100).toFixed(1)} % of traces; all decided after ${w.allDecidedSeconds.toFixed(1)} s; sampler ${w.usage.processes.sampler.coresUsed} cores, broker ${w.usage.processes.broker?.coresUsed ?? '?'}, other ${w.usage.machine.otherCores}`,
          target: 150_000,
        })),
        {
          case: 'core: Avro decode + assembly + policies (sampler-core, wall of one thread)',
          spansPerSecond: core.result.consumeSpansPerSec,
          spansPerCoreSecond: core.result.consumeSpansPerSec,
          peakRssMiB: mib(core.usage?.peakRssBytes),
          note: `assembly + policies alone ${core.result.coreSpansPerSec}/s; Avro decode ${core.result.avroDecodeNsPerSpan} ns/span; policies ${core.result.evaluateNsPerSpan} ns/span`,
          target: 150_000,
        },
        {
          case: 'decision cache when full (sampler-core)',
          note:
            typeof core.result.decisionCache === 'object'
              ? `${core.result.decisionCache.heapBytesPerEntry} B/entry on the heap (${core.result.decisionCache.heapMiB} MiB) + ${core.result.decisionCache.offHeapBytesPerEntry} B/entry in typed arrays (${core.result.decisionCache.offHeapMiB} MiB) for ${core.result.decisionCache.entries} decisions`
              : 'run with node --expose-gc for heap figures',
        },
        {
          case: 'heap per buffered span (sampler-core)',
          note:
            typeof heap === 'object'
              ? `${heap.heapBytesPerBufferedSpan} B/span (target ≤ 400); +${heap.arrayBufferBytesPerSpan} B/span of Buffer memory outside the heap`
              : String(heap),
        },
      ],
      details: {
        workers: runs,
        core: core.result,
        coreUsage: core.usage,
        policyFile: 'bench/stages/policies-all.yaml',
        decisionEnv: DECISION_ENV,
      },
    };
  },
};
/** One worker run by itself (a case of `run`), for scripts that compare builds run by run. */
module.exports.workerRun = workerRun;

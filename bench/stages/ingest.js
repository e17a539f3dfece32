'use strict';
/**
 * Stage `ingest`: OTLP/HTTP protobuf requests (the load generator's traffic, pre-encoded, sent
 * with keep-alive, each re-timed to "now" as it leaves) → the real ingest worker in a child
 * process → Kafka. Once per producer compression (none, gzip, snappy), each on fresh topics, and
 * once more over OTLP/gRPC (compression none; bench/lib/grpc-sender.js).
 * Figures: spans/s accepted (ingest's own counter), the ingest process's CPU (so spans per
 * CPU-second = per core) and peak RSS, the sender's and the broker's CPU; after one warm-up pass
 * over the whole traffic, the median of ROUNDS measured rounds, with the range of all rounds.
 */
const { freePort, startWorker, sleep } = require('../lib/workers');
const { sendRequests } = require('../lib/http-sender');
const { sendGrpcRequests } = require('../lib/grpc-sender');
const { ProcessWatch } = require('../lib/proc');
const prom = require('../lib/prom');
const { takeSpans } = require('../lib/traffic');

/** Measured rounds per case, after the warm-up. */
const ROUNDS = 5;

/** One run; `transport` is how the traffic is sent: OTLP/HTTP protobuf or OTLP/gRPC. */
async function runCase(ctx, compression, requests, spans, warmUp, transport = 'http') {
  const label = transport === 'http' ? `ingest-${compression}` : `ingest-${transport}-${compression}`;
  const prefix = ctx.prefix(label);
  const [otlpPort, opsPort, grpcPort] = [await freePort(), await freePort(), await freePort()];
  const send = (reqs, concurrency) =>
    transport === 'grpc'
      ? sendGrpcRequests({ address: `127.0.0.1:${grpcPort}`, requests: reqs, concurrency })
      : sendRequests({ url: `http://127.0.0.1:${otlpPort}/v1/traces`, requests: reqs, concurrency });
  const worker = startWorker({
    command: 'ingest',
    label,
    logDir: ctx.logDir,
    opsPort,
    nodeArgs: ctx.nodeArgs(label),
    env: {
      KAFKA_BROKERS: ctx.broker.brokers,
      TAILSTREAM_TOPIC_PREFIX: prefix,
      TAILSTREAM_INGEST_OPS_PORT: String(opsPort),
      TAILSTREAM_INGEST_OTLP_HTTP_PORT: String(otlpPort),
      TAILSTREAM_INGEST_GRPC_PORT: String(grpcPort), // a free port, never the fixed 4317
      TAILSTREAM_INGEST_PRODUCER_COMPRESSION: compression,
    },
  });
  try {
    await worker.waitReady();
    // Warm-up before the clock: connection set-up, and V8's optimizing compiler, which keeps
    // compiling functions called once per request or per Kafka produce for several seconds of load
    // (about 1.3 s of background-thread CPU in the first 5 s; docs/performance.md, "Method").
    await send(warmUp, ctx.concurrency);
    // The same requests ROUNDS times, each round measured on its own (rounds of one worker differ
    // by up to a third, e.g. when a major GC falls into one): the figures are those of all rounds
    // together, and the range of the rounds is reported beside them.
    const rounds = [];
    for (let round = 0; round < ROUNDS; round++) {
      const acceptedBefore = prom.sum(await worker.metrics(), 'tailstream_ingest_spans_accepted_total');
      const watch = new ProcessWatch(
        { ingest: worker.pid, sender: process.pid, broker: ctx.broker.pid },
        { threadsOf: ['ingest'] },
      ).start();
      const stats = await send(requests, ctx.concurrency);
      const usage = watch.stop();
      const accepted = prom.sum(await worker.metrics(), 'tailstream_ingest_spans_accepted_total') - acceptedBefore;
      if (accepted !== spans) throw new Error(`ingest accepted ${accepted} spans of ${spans} sent`);
      rounds.push({ stats, usage, spansPerCoreSecond: Math.round(accepted / usage.processes.ingest.cpuSeconds) });
    }
    const metrics = await worker.metrics();
    const accepted = spans * ROUNDS;
    const total = (pick) => rounds.reduce((sum, r) => sum + (pick(r.usage) ?? 0), 0);
    const wallSeconds = total((u) => u.wallSeconds);
    const cores = (name) => Math.round((100 * total((u) => u.processes[name]?.cpuSeconds)) / wallSeconds) / 100;
    const statuses = {};
    for (const { stats } of rounds) for (const [code, n] of Object.entries(stats.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
    return {
      case: transport === 'http' ? `compression ${compression}` : `OTLP/gRPC, compression ${compression}`,
      spans: accepted,
      requests: rounds.reduce((n, r) => n + r.stats.requests, 0),
      spansPerSecond: Math.round(accepted / wallSeconds),
      spansPerCoreSecond: Math.round(accepted / total((u) => u.processes.ingest.cpuSeconds)),
      spansPerCoreSecondByRound: rounds.map((r) => r.spansPerCoreSecond),
      peakRssMiB: Math.max(...rounds.map((r) => r.usage.processes.ingest.peakRssMiB)),
      ingestCoresUsed: cores('ingest'),
      senderCoresUsed: cores('sender'),
      brokerCoresUsed: cores('broker'),
      otherCoresUsed: Math.round((100 * total((u) => u.machine.otherCores * u.wallSeconds)) / wallSeconds) / 100,
      statuses,
      networkErrors: rounds.map((r) => r.stats.networkErrors),
      retries: rounds.reduce((n, r) => n + r.stats.retries, 0),
      kafkaMessages: prom.sum(metrics, 'tailstream_ingest_kafka_messages_produced_total'),
      kafkaBytes: prom.sum(metrics, 'tailstream_ingest_kafka_bytes_produced_total'),
      usageByRound: rounds.map((r) => r.usage),
    };
  } finally {
    await worker.stop();
    await sleep(200);
  }
}

module.exports = {
  name: 'ingest',
  summary: 'OTLP/HTTP protobuf (and OTLP/gRPC) → ingest worker (child process) → Kafka, producer compression none vs gzip vs snappy',
  async run(ctx) {
    const traffic = ctx.traffic();
    const { requests, spans } = takeSpans(traffic, ctx.quick ? 40_000 : 300_000);
    // One pass over the whole traffic (394k spans; a tenth of it with --quick) before measuring.
    const warmUp = ctx.quick ? traffic.requests.slice(0, 40) : traffic.requests;
    const cases = [];
    for (const [transport, compression] of [
      ['http', 'none'],
      ['http', 'gzip'],
      ['http', 'snappy'],
      ['grpc', 'none'],
    ]) {
      ctx.say(
        `ingest: ${ROUNDS} rounds of ${spans} spans in ${requests.length} requests over ${transport}, compression ${compression}, ${ctx.concurrency} in flight`,
      );
      const c = await runCase(ctx, compression, requests, spans, warmUp, transport);
      ctx.say(`ingest: ${c.spansPerSecond} spans/s, ${c.spansPerCoreSecond} spans/s per core, peak RSS ${c.peakRssMiB} MiB`);
      cases.push(c);
    }
    return {
      rows: cases.map((c) => ({
        case: c.case,
        spansPerSecond: c.spansPerSecond,
        spansPerCoreSecond: c.spansPerCoreSecond,
        peakRssMiB: c.peakRssMiB,
        note: `${ROUNDS} rounds (${Math.min(...c.spansPerCoreSecondByRound)}–${Math.max(...c.spansPerCoreSecondByRound)} per core); ingest ${c.ingestCoresUsed} cores, broker ${c.brokerCoresUsed ?? '?'}, sender ${c.senderCoresUsed}, other ${c.otherCoresUsed}`,
        target: 150_000,
      })),
      details: { concurrency: ctx.concurrency, cases },
    };
  },
};

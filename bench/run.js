#!/usr/bin/env node
/**
 * `npm run bench`: every Tailstream stage alone, then the whole pipeline, with fixed seeds, on
 * the built dist/ of the packages and services. Prints progress and a table, writes
 * bench/results/bench-<ISO date>.json and bench/results/latest.json. See docs/performance.md.
 *
 * Usage: node bench/run.js [--only NAME[,NAME]] [--quick] [--profile] [--keep-topics] [--help]
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseArgs } = require('./lib/args');
const { ensureBroker, benchKafka, deleteTopics } = require('./lib/kafka');
const { machineInfo, writeResults, formatTable } = require('./lib/report');
const { generateTraffic } = require('./lib/traffic');
const { summarizeProfiles } = require('./lib/cpu-profile');
const { WORKER_NODE_ARGS } = require('../packages/cli/dist/worker-node-args');
const { ROOT } = require('./lib/workers');

const STAGES = [
  require('./stages/otlp-decode'),
  require('./stages/ingest'),
  require('./stages/sampler'),
  require('./stages/red'),
  require('./stages/aggregator'),
  require('./stages/pipeline'),
  require('./stages/kafka-produce'),
];
const NAMES = STAGES.map((s) => s.name);
/** Run by default; the others (optIn) only with --only. */
const DEFAULT_NAMES = STAGES.filter((s) => !s.optIn).map((s) => s.name);

async function main() {
  let args;
  try {
    args = parseArgs(process.argv.slice(2), NAMES, DEFAULT_NAMES);
  } catch (error) {
    console.error(`bench: ${error.message}`);
    return 2;
  }
  if (args.help) {
    console.log(args.usage);
    return 0;
  }
  const startedAt = new Date();
  const runId = `${startedAt.toISOString().slice(0, 19).replace(/[-:T]/g, '')}-${crypto.randomBytes(2).toString('hex')}`;
  const resultsDir = path.join(ROOT, 'bench', 'results');
  const t0 = Date.now();
  const say = (line) => console.log(`[bench ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}`);
  const machine = machineInfo();
  say(
    `run ${runId}${args.quick ? ' (quick)' : ''}: ${args.only.join(', ')}; ${machine.cpus} CPUs, node ${machine.node}, commit ${machine.commit?.slice(0, 12)}${machine.dirtyFiles ? ` (+${machine.dirtyFiles} uncommitted files)` : ''}, load average ${machine.loadAverageAtStart.join(' ')}`,
  );

  let broker;
  let kafka;
  let traffic;
  const tempDirs = [];
  const profileDir = path.join(resultsDir, 'profiles', runId);
  const ctx = {
    quick: args.quick,
    runId,
    say,
    logDir: path.join(resultsDir, 'logs', runId),
    /** In-flight OTLP/HTTP requests of the senders. */
    concurrency: 8,
    get broker() {
      if (!broker) broker = ensureBroker(say);
      return broker;
    },
    get kafka() {
      if (!kafka) kafka = benchKafka(ctx.broker.brokers);
      return kafka;
    },
    /** The load generator's traffic, generated once per run (fixed seed). */
    traffic() {
      if (!traffic) {
        const traces = args.quick ? 2000 : 12_000;
        say(`load generator: ${traces} traces (seed fixed), encoding OTLP protobuf once...`);
        traffic = generateTraffic(traces);
        say(
          `load generator: ${traffic.spans} spans in ${traffic.requests.length} requests, ${traffic.generator.spansPerCpuSecond} spans per CPU-second to generate + encode`,
        );
      }
      return traffic;
    },
    /** Topic prefix of one bench case, unique to the run. */
    prefix: (label) => `bench-${runId}-${label}.`,
    /** A fresh temporary directory (removed at the end), e.g. for an embedded ClickHouse. */
    tempDir(label) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `tailstream-bench-${label}-`));
      tempDirs.push(dir);
      return dir;
    },
    /** Node flags for a worker process: those `tailstream up` gives its workers, plus a CPU profile with --profile. */
    nodeArgs: (label) => [
      ...WORKER_NODE_ARGS,
      ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${label}.cpuprofile`] : []),
    ],
  };

  const benches = [];
  let exitCode = 0;
  try {
    for (const stage of STAGES.filter((s) => args.only.includes(s.name))) {
      say(`== ${stage.name}: ${stage.summary}`);
      const s0 = Date.now();
      try {
        const out = await stage.run(ctx);
        benches.push({ name: stage.name, summary: stage.summary, seconds: Math.round((Date.now() - s0) / 1000), ...out });
      } catch (error) {
        exitCode = 1;
        say(`${stage.name} FAILED: ${error.stack ?? error}`);
        benches.push({
          name: stage.name,
          summary: stage.summary,
          seconds: Math.round((Date.now() - s0) / 1000),
          error: String(error.message ?? error),
        });
      }
    }
  } finally {
    if (broker && !args.keepTopics) {
      try {
        const n = await deleteTopics(ctx.kafka, `bench-${runId}-`);
        if (n.topics > 0) say(`deleted the run's ${n.topics} topics and ${n.groups} consumer groups`);
      } catch (error) {
        say(`could not delete the run's topics: ${error.message}`);
      }
    }
    broker?.stop();
    for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
  }

  let profiles;
  if (args.profile && fs.existsSync(profileDir)) {
    profiles = summarizeProfiles(profileDir);
    fs.writeFileSync(path.join(profileDir, 'summary.json'), `${JSON.stringify(profiles, null, 2)}\n`);
    say(`CPU profiles: ${profileDir} (summary.json lists the top functions per worker)`);
  }

  const result = {
    bench: 'tailstream',
    runId,
    startedAt: startedAt.toISOString(),
    durationSeconds: Math.round((Date.now() - t0) / 1000),
    quick: args.quick,
    machine: { ...machine, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
    kafka: broker ? { brokers: broker.brokers, local: broker.local } : undefined,
    clickhouseUrl: process.env.CLICKHOUSE_URL ? 'set' : undefined,
    traffic: traffic && {
      seed: traffic.seed,
      traces: traffic.traces,
      spans: traffic.spans,
      requests: traffic.requests.length,
      tracesPerSecondVirtual: traffic.tracesPerSecond,
      generator: traffic.generator,
    },
    benches,
    profiles,
  };
  const file = writeResults(result, startedAt);
  console.log(`\n${formatTable(benches)}\n`);
  say(`results: ${path.relative(process.cwd(), file)} (and bench/results/latest.json), logs: ${path.relative(process.cwd(), ctx.logDir)}`);
  return exitCode;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(`bench: ${error.stack ?? error}`);
    process.exitCode = 1;
  },
);

import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sendOtlpHttp, TrafficGenerator, type SendProgress } from '@tailstream/loadgen';
import { EXIT, intFlag, parseFlags, UsageError, type Command } from '../command';
import { scrape, sumMetric } from '../prom';
import { repoRoot } from '../repo';
import { WORKER_NODE_ARGS } from '../worker-node-args';
import { keptByPolicySql, redByServiceSql, slowestTracesSql } from '../reports';
import { runQuery } from '../query-client';
import { formatTable } from '../table';

interface Worker {
  name: string;
  child: ChildProcess;
  opsUrl: string;
  exited: Promise<number | null>;
}

export const upCommand: Command = {
  name: 'up',
  summary: 'run the whole pipeline locally with the load generator, then print a summary',
  help: `Usage: tailstream up [--traces N] [--rate SPANS_PER_S] [--seed N] [--policy FILE] [--keep-running]

Brings up everything on this machine and drives it:
  1. Kafka: the local single-node broker of deploy/local (started, and stopped at the end), or
     KAFKA_BROKERS when set;
  2. ClickHouse: the embedded engine (in the aggregator process), or CLICKHOUSE_URL when set;
  3. ingest, tail-sampler and aggregator as separate processes (the production shape), with a fresh
     topic prefix and database per run; migrations are applied by the aggregator;
  4. the load generator (fixed seed) over OTLP/HTTP.
Progress is printed every 2 s (spans/s in, traces decided, kept %, consumer lag). At the end, or on
Ctrl-C, it prints RED per service, kept traces by policy and the slowest kept traces, read back from
ClickHouse, and shuts everything down cleanly. Worker logs go to .tailstream/logs/.

  --traces N        traces to generate (default 5000)
  --rate N          spans per second (default: as fast as the pipeline accepts)
  --seed N          generator seed (default 1)
  --error-rate X    share of traces with an error (default 0.03)
  --policy FILE     tail-sampling policy file (default deploy/policies/default.yaml)
  --data-dir DIR    where the embedded ClickHouse keeps its data (default .tailstream/chdb)
  --keep-running    leave the pipeline running after the summary (query it with
                    \`tailstream query red\`), until Ctrl-C`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      traces: { type: 'string' },
      rate: { type: 'string' },
      seed: { type: 'string' },
      'error-rate': { type: 'string' },
      policy: { type: 'string' },
      'data-dir': { type: 'string' },
      'keep-running': { type: 'boolean' },
    });
    const root = repoRoot();
    const runId = `${new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '')}${randomBytes(2).toString('hex')}`;
    const prefix = process.env.TAILSTREAM_TOPIC_PREFIX ?? `up-${runId}.`;
    const database = process.env.TAILSTREAM_CLICKHOUSE_DATABASE ?? `up_${runId}`;
    const traces = intFlag(values.traces, 'traces') ?? 5000;
    const rate = intFlag(values.rate, 'rate');
    const seed = intFlag(values.seed, 'seed') ?? 1;
    const errorRate = values['error-rate'] === undefined ? 0.03 : Number(values['error-rate']);
    if (!(errorRate >= 0 && errorRate <= 1)) throw new UsageError('--error-rate must be between 0 and 1');
    const policy = (values.policy as string | undefined) ?? join(root, 'deploy', 'policies', 'default.yaml');
    const logDir = join(root, '.tailstream', 'logs', runId);
    mkdirSync(logDir, { recursive: true });

    const say = (line: string): void => console.log(`[up] ${line}`);
    let brokers = process.env.KAFKA_BROKERS;
    let startedBroker = false;
    const script = join(root, 'deploy', 'local', 'kafka.sh');
    if (!brokers) {
      const before = execFileSync('bash', [script, 'status'], { encoding: 'utf8' }).trim();
      if (!before.startsWith('running')) {
        say('starting the local Kafka broker (first run downloads its jars with Maven)...');
        startedBroker = true;
      }
      const status = execFileSync('bash', [script, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
      brokers = status.replace(/^running\s+/, '');
    }
    say(`Kafka ${brokers}, topics ${prefix}*, ClickHouse ${process.env.CLICKHOUSE_URL ?? 'embedded (chdb)'} database ${database}`);

    const ports = { otlp: await freePort(4318), otlpGrpc: await freePort(4317), ingestOps: await freePort(9464), samplerOps: await freePort(9465), aggregatorOps: await freePort(9466) };
    // Everything runs on this machine: Kafka batches are not compressed (a codec, even snappy, would only cost CPU here).
    const common: NodeJS.ProcessEnv = {
      TAILSTREAM_INGEST_PRODUCER_COMPRESSION: 'none',
      TAILSTREAM_SAMPLER_OUTPUT_COMPRESSION: 'none',
      ...process.env,
      KAFKA_BROKERS: brokers,
      TAILSTREAM_TOPIC_PREFIX: prefix,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    };
    const bin = join(__dirname, '..', 'bin.js');
    const workers: Worker[] = [];
    const launch = (name: string, env: NodeJS.ProcessEnv, opsPort: number): Worker => {
      const log = createWriteStream(join(logDir, `${name}.log`));
      const child = spawn(process.execPath, [...WORKER_NODE_ARGS, bin, name], { env: { ...common, ...env }, stdio: ['ignore', 'pipe', 'pipe'], cwd: root });
      child.stdout?.pipe(log);
      child.stderr?.pipe(log);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const worker = { name, child, opsUrl: `http://127.0.0.1:${opsPort}`, exited };
      workers.push(worker);
      return worker;
    };

    let interrupted = false;
    const abort = new AbortController();
    const onSigint = (): void => {
      if (interrupted) return;
      interrupted = true;
      say('interrupted: stopping the load, then summary and clean shutdown (Ctrl-C again to force)');
      abort.abort();
      process.once('SIGINT', () => process.exit(130));
    };
    process.on('SIGINT', onSigint);

    try {
      launch('aggregator', { TAILSTREAM_AGGREGATOR_OPS_PORT: String(ports.aggregatorOps), TAILSTREAM_CLICKHOUSE_DATABASE: database, TAILSTREAM_AGGREGATOR_CLICKHOUSE_DATABASE: database, TAILSTREAM_AGGREGATOR_CLICKHOUSE_DATA_PATH: (values['data-dir'] as string | undefined) ?? join(root, '.tailstream', 'chdb'), TAILSTREAM_AGGREGATOR_RED_IDLE_FLUSH_MS: '2000' }, ports.aggregatorOps);
      launch('sampler', { TAILSTREAM_SAMPLER_OPS_PORT: String(ports.samplerOps), TAILSTREAM_SAMPLER_POLICY_FILE: policy, TAILSTREAM_SAMPLER_DECISION_WAIT_MS: '5000', TAILSTREAM_SAMPLER_DECISION_WAIT_AFTER_ROOT_MS: '1000' }, ports.samplerOps);
      launch('ingest', { TAILSTREAM_INGEST_OPS_PORT: String(ports.ingestOps), TAILSTREAM_INGEST_OTLP_HTTP_PORT: String(ports.otlp), TAILSTREAM_INGEST_GRPC_PORT: String(ports.otlpGrpc) }, ports.ingestOps);
      for (const w of workers) await waitReady(w, logDir);
      say(`workers ready: ingest OTLP http://127.0.0.1:${ports.otlp}/v1/traces and gRPC 127.0.0.1:${ports.otlpGrpc}, ops ${workers.map((w) => `${w.name} ${w.opsUrl}`).join(', ')}`);

      const generator = new TrafficGenerator({ seed, traces, errorRate, realtime: true, groundTruthTraces: false });
      say(`load generator: ${traces} traces, seed ${seed}, ${rate ? `${rate} spans/s` : 'as fast as accepted'}`);
      let last: SendProgress | undefined;
      const progress = setInterval(() => void printProgress(workers, last), 2000);
      try {
        last = await sendOtlpHttp({
          url: `http://127.0.0.1:${ports.otlp}/v1/traces`,
          source: generator,
          ratePerSec: rate,
          asFastAsPossible: rate === undefined,
          concurrency: 4,
          signal: abort.signal,
          onProgress: (p) => (last = p),
        });
        say(`load sent: ${last.spansAccepted} spans accepted (${last.spansRejected} rejected, ${last.spansFailed} failed) in ${(last.elapsedMs / 1000).toFixed(1)} s`);
        say('waiting for the pipeline to drain (decision waits, final flushes)...');
        await waitDrained(workers, interrupted ? 30_000 : 180_000);
      } finally {
        clearInterval(progress);
      }
      await printSummary(`http://127.0.0.1:${ports.aggregatorOps}`, database, say);
      if (values['keep-running'] && !interrupted) {
        say(`pipeline still running; try: TAILSTREAM_CLICKHOUSE_DATABASE=${database} npm run tailstream -- query red   (Ctrl-C to stop)`);
        await new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve()));
      }
      return workers.some((w) => w.child.exitCode !== null && w.child.exitCode !== 0) ? EXIT.FAILED : EXIT.OK;
    } finally {
      process.off('SIGINT', onSigint);
      say('shutting down: ingest, sampler, aggregator...');
      for (const name of ['ingest', 'sampler', 'aggregator']) {
        const w = workers.find((x) => x.name === name);
        if (!w || w.child.exitCode !== null) continue;
        w.child.kill('SIGTERM');
        await Promise.race([w.exited, new Promise((r) => setTimeout(r, 30000))]);
        if (w.child.exitCode === null) w.child.kill('SIGKILL');
      }
      if (startedBroker) {
        say('stopping the local Kafka broker');
        execFileSync('bash', [script, 'stop'], { stdio: 'ignore' });
      }
      say(`logs: ${logDir}`);
    }
  },
};

async function waitReady(worker: Worker, logDir: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  let last = 'its ops server never answered';
  while (Date.now() < deadline) {
    if (worker.child.exitCode !== null) throw new Error(`${worker.name} exited with code ${worker.child.exitCode}; see ${join(logDir, `${worker.name}.log`)}`);
    try {
      const res = await fetch(`${worker.opsUrl}/readyz`);
      if (res.ok) return;
      last = `/readyz said ${await res.text()}`;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${worker.name} was not ready within 90 s (${last}); see ${join(logDir, `${worker.name}.log`)}`);
}

let previous: { at: number; spans: number } | undefined;

async function printProgress(workers: Worker[], sent: SendProgress | undefined): Promise<void> {
  const [ingest, sampler, aggregator] = await Promise.all(['ingest', 'sampler', 'aggregator'].map((n) => scrape(workers.find((w) => w.name === n)!.opsUrl)));
  const accepted = sumMetric(ingest ?? '', 'tailstream_ingest_spans_accepted_total');
  const now = Date.now();
  const rate = previous ? ((accepted - previous.spans) * 1000) / (now - previous.at) : 0;
  previous = { at: now, spans: accepted };
  const kept = sumMetric(sampler ?? '', 'tailstream_sampler_decisions_total', { outcome: 'kept' });
  const dropped = sumMetric(sampler ?? '', 'tailstream_sampler_decisions_total', { outcome: 'dropped' });
  const decided = kept + dropped;
  const buffered = sumMetric(sampler ?? '', 'tailstream_sampler_buffered_traces');
  const lag = sumMetric(sampler ?? '', 'tailstream_sampler_consumer_lag_messages') + lagOf(aggregator ?? '');
  console.log(
    `[up] in ${Math.round(rate)} spans/s (total ${accepted}${sent ? `, sent ${sent.spans}` : ''}) | decided ${decided} traces, kept ${decided ? ((100 * kept) / decided).toFixed(1) : '0.0'}% | buffered ${buffered} traces | consumer lag ${lag} msgs`,
  );
}

function lagOf(metrics: string): number {
  return ['red', 'spans', 'summaries'].reduce((sum, s) => sum + sumMetric(metrics, `tailstream_aggregator_${s}_consumer_lag_messages`), 0);
}

/** Drained: nothing buffered in the sampler, no aggregator lag or buffered rows, four polls in a row. */
async function waitDrained(workers: Worker[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let stable = 0;
  const opsOf = (n: string) => workers.find((w) => w.name === n)!.opsUrl;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    const [sampler, aggregator] = await Promise.all([scrape(opsOf('sampler')), scrape(opsOf('aggregator'))]);
    const busy =
      sumMetric(sampler, 'tailstream_sampler_buffered_traces') +
      sumMetric(sampler, 'tailstream_sampler_consumer_lag_messages') +
      lagOf(aggregator) +
      sumMetric(aggregator, 'tailstream_aggregator_rows_buffered');
    stable = busy === 0 ? stable + 1 : 0;
    if (stable >= 4) return;
  }
}

async function printSummary(endpoint: string, database: string, say: (s: string) => void): Promise<void> {
  const target = { endpoint, database, dataPath: '' };
  try {
    say('RED per service (from every span, before sampling):');
    console.log(formatTable(await runQuery(target, redByServiceSql(database))));
    say('kept traces by policy:');
    console.log(formatTable(await runQuery(target, keptByPolicySql(database))));
    say('slowest kept traces:');
    console.log(formatTable(await runQuery(target, slowestTracesSql(database, 10))));
  } catch (error) {
    say(`could not read the summary from ClickHouse: ${(error as Error).message}`);
  }
}

/** `preferred` when free on 127.0.0.1, else any free port. */
function freePort(preferred: number): Promise<number> {
  const tryPort = (port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : port));
      });
    });
  return tryPort(preferred).catch(() => tryPort(0));
}

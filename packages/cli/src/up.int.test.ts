/**
 * `tailstream up` as a user runs it (the built CLI in a child process): three worker processes, the
 * load generator, progress, a summary read back from ClickHouse, and a clean shutdown.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testInfra, uniqueTopicPrefix } from '@tailstream/test-harness';

const ROOT = join(__dirname, '..', '..', '..');

describe('tailstream up', () => {
  beforeAll(() => {
    execFileSync('npx', ['tsc', '-b', 'packages/cli'], { cwd: ROOT, stdio: 'inherit' });
  }, 180_000);

  it('runs the pipeline end to end, prints progress and a summary from ClickHouse, and exits 0', async () => {
    const prefix = uniqueTopicPrefix('up');
    const database = `up_test_${Date.now().toString(36)}`;
    const child = spawn(process.execPath, [join(ROOT, 'packages', 'cli', 'dist', 'bin.js'), 'up', '--traces', '150', '--data-dir', mkdtempSync(join(tmpdir(), 'up-chdb-'))], {
      cwd: ROOT,
      env: { ...process.env, KAFKA_BROKERS: testInfra().kafkaBrokers, TAILSTREAM_TOPIC_PREFIX: prefix, TAILSTREAM_CLICKHOUSE_DATABASE: database, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    // On failure, the whole output and the tail of each worker's log are in the assertion message.
    expect(`exit ${code}\n${output}${code === 0 ? '' : workerLogTails(output)}`).toMatch(/^exit 0\n/);
    expect(output).toContain(`topics ${prefix}*`);
    expect(output).toMatch(/\[up\] in \d+ spans\/s .*decided \d+ traces, kept [\d.]+% .*consumer lag \d+ msgs/);
    expect(output).toMatch(/load sent: \d+ spans accepted \(0 rejected, 0 failed\)/);
    // RED per service from ClickHouse: the gateway handled every one of the 150 traces
    expect(output).toMatch(/RED per service[\s\S]*\ngateway\s+150\s/);
    expect(output).toMatch(/kept traces by policy:[\s\S]*(errors|slow|baseline)\s+\d+/);
    expect(output).toMatch(/slowest kept traces:[\s\S]*[0-9a-f]{32}\s+gateway/);
    expect(output).toContain('shutting down: ingest, sampler, aggregator');
  }, 240_000);
});

/** The last 6 KB of each worker log named by the "logs: DIR" line of `up`'s output. */
function workerLogTails(output: string): string {
  const dir = /\[up\] logs: (.+)/.exec(output)?.[1]?.trim();
  if (!dir || !existsSync(dir)) return '\n(no worker logs found)';
  return readdirSync(dir)
    .map((name) => `\n--- ${name} (tail) ---\n${readFileSync(join(dir, name), 'utf8').slice(-6000)}`)
    .join('');
}

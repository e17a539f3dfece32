/**
 * A worker run through the CLI that cannot start ends its process with a non-zero exit code,
 * instead of idling with its ops server up (which a supervisor would never restart).
 */
import { execFileSync, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

/** A loopback port nothing listens on (bound, then closed). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

describe('tailstream ingest without a reachable broker', () => {
  beforeAll(() => {
    execFileSync('npx', ['tsc', '-b', 'packages/cli'], { cwd: ROOT, stdio: 'inherit' });
  }, 180_000);

  it('exits with code 1 and names the cause once Kafka stays unreachable', async () => {
    const port = await closedPort();
    const child = spawn(process.execPath, [join(ROOT, 'packages', 'cli', 'dist', 'bin.js'), 'ingest'], {
      cwd: ROOT,
      env: {
        ...process.env,
        KAFKA_BROKERS: `127.0.0.1:${port}`,
        TAILSTREAM_INGEST_OPS_PORT: '0',
        TAILSTREAM_INGEST_OTLP_HTTP_PORT: '0',
        TAILSTREAM_INGEST_GRPC_PORT: '0',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const timeout = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 90_000).unref());
    const code = await Promise.race([exited, timeout]);
    if (code === 'still running') child.kill('SIGKILL');
    expect({ code, output }).toEqual({ code: 1, output: expect.stringContaining(`ECONNREFUSED 127.0.0.1:${port}`) });
  }, 200_000);
});

/**
 * A broker of its own for fault tests (stopping the shared broker would break every other test
 * running in parallel): deploy/local/kafka.sh with a temporary home and free ports on 127.0.0.1,
 * sharing the cached jars. Its data survives stop()/start(), like a real broker restart.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { freePort } from './ports';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO_ROOT = join(__dirname, '..', '..');
const SCRIPT = join(REPO_ROOT, 'deploy', 'local', 'kafka.sh');


export interface PrivateBroker {
  brokers: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops the broker and deletes its data. */
  destroy(): Promise<void>;
}

export async function startPrivateBroker(): Promise<PrivateBroker> {
  const home = mkdtempSync(join(tmpdir(), 'tailstream-kafka-'));
  const port = await freePort();
  const controllerPort = await freePort();
  const env = {
    ...process.env,
    TAILSTREAM_KAFKA_HOME: home,
    TAILSTREAM_KAFKA_LIB: process.env.TAILSTREAM_KAFKA_LIB ?? join(REPO_ROOT, 'deploy', 'local', '.kafka', 'lib'),
    TAILSTREAM_KAFKA_PORT: String(port),
    TAILSTREAM_KAFKA_CONTROLLER_PORT: String(controllerPort),
    TAILSTREAM_KAFKA_HEAP: '384m',
  };
  const broker: PrivateBroker = {
    brokers: `127.0.0.1:${port}`,
    start: async () => {
      await run('bash', [SCRIPT, 'start'], { env });
    },
    stop: async () => {
      await run('bash', [SCRIPT, 'stop'], { env });
    },
    destroy: async () => {
      await run('bash', [SCRIPT, 'stop'], { env });
      rmSync(home, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}

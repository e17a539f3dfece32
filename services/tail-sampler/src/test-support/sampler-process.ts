import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { toEnvSegment } from '@tailstream/config';
import { SAMPLER_ENV_PREFIX } from '../config';

/** The repository root (this file is services/tail-sampler/src/test-support/). */
export const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const MAIN = join(REPO_ROOT, 'services', 'tail-sampler', 'dist', 'main.js');

/** Env vars for config options given by dotted path, e.g. `decision.waitMs` → TAILSTREAM_SAMPLER_DECISION_WAIT_MS. */
export function samplerEnv(options: Record<string, string | number>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [path, value] of Object.entries(options))
    env[SAMPLER_ENV_PREFIX + path.split('.').map(toEnvSegment).join('_')] = String(value);
  return env;
}

/**
 * The tail-sampler as a separate OS process (`node dist/main.js`, config from env only), with its
 * JSON log lines kept, so a test can SIGKILL it like a crashed pod.
 */
export class SamplerProcess {
  readonly logs: string[] = [];
  opsPort = 0;
  private exited: Promise<number | null>;
  private readonly child: ChildProcess;

  private constructor(env: Record<string, string>) {
    // Only PATH from the test's env: no inherited TAILSTREAM_* / KAFKA_BROKERS can change the config.
    this.child = spawn(process.execPath, [MAIN], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    let buffered = '';
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      this.logs.push(...lines.filter((l) => l !== ''));
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
  }

  /** Starts the process and resolves once it logged `tail-sampler started` (its consumer joined the group). */
  static async start(env: Record<string, string>, timeoutMs: number): Promise<SamplerProcess> {
    const p = new SamplerProcess(env);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const started = p.logged('tail-sampler started');
      const listening = p.logged('ops server listening (/metrics, /healthz, /readyz)');
      if (started && listening) {
        p.opsPort = Number(listening.port);
        return p;
      }
      if (p.child.exitCode !== null) throw new Error(`sampler exited with ${p.child.exitCode}:\n${p.logs.join('\n')}`);
      if (Date.now() > deadline) {
        await p.kill('SIGKILL');
        throw new Error(`sampler did not start within ${timeoutMs} ms:\n${p.logs.slice(-30).join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** The first JSON log line with message `msg`. */
  logged(msg: string): Record<string, unknown> | undefined {
    for (const line of this.logs) {
      if (!line.startsWith('{')) continue;
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === msg) return entry;
    }
    return undefined;
  }

  /** Sends `signal` and waits for the process to exit; returns its exit code (null when killed by the signal). */
  async kill(signal: NodeJS.Signals): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

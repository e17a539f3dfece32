import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { parsePrometheus, type Sample } from '@tailstream/test-harness';

const REPO_ROOT = join(__dirname, '..', '..', '..', '..');
const MAIN = join(REPO_ROOT, 'services', 'aggregator', 'dist', 'main.js');

/** Builds the aggregator (and the packages it references) so dist/main.js is current. */
export function buildAggregator(): void {
  execFileSync('npx', ['tsc', '-b', 'services/aggregator'], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
}


/** How a child run ended. */
export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * The aggregator as a separate process (`node services/aggregator/dist/main.js`), configured by
 * TAILSTREAM_AGGREGATOR_* env vars, read through its ops port: /readyz, /metrics and the
 * read-only /query endpoint (the embedded engine belongs to the child while it runs).
 * Its stdout/stderr go to `logFile`.
 */
export class ChildAggregator {
  readonly exited: Promise<ChildExit>;
  private readonly child: ChildProcess;
  private readonly log: WriteStream;
  private exit: ChildExit | undefined;

  constructor(
    env: Record<string, string>,
    readonly opsPort: number,
    logFile: string,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' });
    this.child = spawn(process.execPath, [MAIN], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env, TAILSTREAM_AGGREGATOR_OPS_PORT: String(opsPort) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout?.pipe(this.log, { end: false });
    this.child.stderr?.pipe(this.log, { end: false });
    this.exited = new Promise((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal };
        this.log.end();
        resolve(this.exit);
      });
    });
  }

  get hasExited(): ChildExit | undefined {
    return this.exit;
  }

  /** Resolves once /readyz answers 200; fails if the process exits first or after `timeoutMs`. */
  async ready(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exit) throw new Error(`aggregator exited before it was ready: ${JSON.stringify(this.exit)}`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.opsPort}/readyz`);
        if (response.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`aggregator not ready after ${timeoutMs} ms`);
  }

  /** One read-only statement through GET /query. */
  async query<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const response = await fetch(`http://127.0.0.1:${this.opsPort}/query?sql=${encodeURIComponent(sql)}`);
    const body = (await response.json()) as { rows?: T[]; error?: string };
    if (response.status !== 200 || !body.rows) throw new Error(`/query answered ${response.status}: ${body.error ?? ''}`);
    return body.rows;
  }

  async metrics(): Promise<Sample[]> {
    const response = await fetch(`http://127.0.0.1:${this.opsPort}/metrics`);
    return parsePrometheus(await response.text());
  }

  /** Graceful stop (SIGTERM): waits for the exit. */
  async stop(): Promise<ChildExit> {
    if (!this.exit) this.child.kill('SIGTERM');
    return this.exited;
  }

  /** Last resort in afterAll: SIGKILL if still running. */
  async kill(): Promise<void> {
    if (!this.exit) this.child.kill('SIGKILL');
    await this.exited;
  }
}

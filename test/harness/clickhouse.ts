/**
 * ClickHouse for integration tests: the server at CLICKHOUSE_URL when set (exported by the global
 * setup), otherwise the embedded chdb engine. chdb binds ONE data directory per process, so all
 * test files of a jest worker share a per-process temp directory under os.tmpdir()
 * (`tailstream-test-chdb/<pid>`). Every call gets its own database, so tests never see each
 * other's rows.
 *
 * Cleanup: the directory is removed on process exit where exit hooks fire; under jest they do
 * not (each test file gets its own copy of `process`, whose listeners the real process never
 * calls), so directories of processes that no longer run are swept when a new one is created,
 * and `sweepEmbeddedTestDirs()` can be called from a global teardown, once the workers exited.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, type ClickHouse } from '@tailstream/store';
import { uniqueDatabase } from './names';

export interface TestClickHouse {
  ch: ClickHouse;
  /** The unique database created for this call (also `ch.database`). */
  database: string;
  /** Drops the database (unless TAILSTREAM_TEST_KEEP_DATABASES=true) and closes the connection. */
  close: () => Promise<void>;
}

const EMBEDDED_ROOT = join(tmpdir(), 'tailstream-test-chdb');
const CLEANUP_FLAG = Symbol.for('tailstream.test.chdbCleanup');

/** The embedded engine's data directory for this process (created on first use). */
export function embeddedTestPath(): string {
  const dir = join(EMBEDDED_ROOT, String(process.pid));
  if (!existsSync(dir)) {
    sweepEmbeddedTestDirs();
    mkdirSync(dir, { recursive: true });
  }
  const proc = process as unknown as Record<symbol, boolean>;
  if (!proc[CLEANUP_FLAG]) {
    proc[CLEANUP_FLAG] = true;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return dir;
}

/** Removes embedded data directories of test processes that no longer run. */
export function sweepEmbeddedTestDirs(): void {
  if (!existsSync(EMBEDDED_ROOT)) return;
  for (const entry of readdirSync(EMBEDDED_ROOT)) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (!isAlive(pid)) rmSync(join(EMBEDDED_ROOT, entry), { recursive: true, force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Opens ClickHouse for one test file (or test) with a fresh database named after `label`. */
export async function openTestClickHouse(label = 'test'): Promise<TestClickHouse> {
  const database = uniqueDatabase(label);
  const url = process.env.CLICKHOUSE_URL || undefined;
  const ch = url
    ? createClickHouse({
        url,
        username: process.env.CLICKHOUSE_USER || undefined,
        password: process.env.CLICKHOUSE_PASSWORD || undefined,
        database,
      })
    : createClickHouse({ embeddedPath: embeddedTestPath(), database });
  await ch.command(`CREATE DATABASE IF NOT EXISTS ${database}`);
  let closed = false;
  return {
    ch,
    database,
    close: async () => {
      if (closed) return;
      closed = true;
      try {
        if (process.env.TAILSTREAM_TEST_KEEP_DATABASES !== 'true') await ch.command(`DROP DATABASE IF EXISTS ${database} SYNC`);
      } finally {
        await ch.close();
      }
    },
  };
}

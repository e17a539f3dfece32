import { resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';
import { StoreError, toStoreError } from '../errors';
import { insertSettings, isEmptyBody, qualifyTable } from './insert-settings';
import type { ClickHouse, ClickHouseOptions, InsertOptions, QueryParam } from './types';

/** The parts of chdb's Session this module uses (chdb is loaded lazily, in the main thread). */
interface ChdbSession {
  queryAsync(sql: string, opts?: { format?: string }): Promise<{ text(): string }>;
  queryBindAsync(sql: string, params: object, opts?: { format?: string }): Promise<{ text(): string }>;
  insert(params: {
    table: string;
    values: Buffer | string;
    format: 'JSONEachRow';
    settings?: Record<string, string | number | boolean>;
  }): Promise<unknown>;
  close(): void;
}

/** The one embedded engine of this process: chdb binds a single data directory per process. */
let shared: { path: string; session: ChdbSession; users: number } | undefined;

function acquire(path: string): ChdbSession {
  const wanted = resolve(path);
  if (shared) {
    if (shared.path !== wanted) {
      throw new StoreError(
        `embedded ClickHouse (chdb) is already open at ${shared.path} in this process; chdb allows one data ` +
          `directory per process, so ${wanted} cannot be opened. Use the same embeddedPath everywhere in the process ` +
          `or close the other connection first.`,
        'EMBEDDED_PATH_CONFLICT',
        false,
      );
    }
    shared.users++;
    return shared.session;
  }
  if (!isMainThread) {
    // Measured: chdb loaded only inside worker threads crashed the process at exit.
    throw new StoreError('open the embedded ClickHouse (chdb) from the main thread, not a worker thread', 'CONFIG', false);
  }
  mkdirSync(wanted, { recursive: true });
  let session: ChdbSession;
  try {
    // Loaded on first use only, so HTTP deployments never load the native engine.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const chdb = require('chdb') as {
      Session: new (path: string, opts?: { connectionArgs?: readonly string[] }) => ChdbSession;
    };
    // Same JSON output as a ClickHouse server: 64-bit integers as strings (clickhouse-local,
    // which chdb is, writes them as bare numbers and JS would lose precision past 2^53).
    session = new chdb.Session(wanted, { connectionArgs: ['--output_format_json_quote_64bit_integers=1'] });
  } catch (err) {
    const e = toStoreError(err, { operation: 'open embedded engine', path: wanted });
    throw new StoreError(
      `cannot open embedded ClickHouse (chdb) at ${wanted}: ${e.message} (chdb binds one data directory per ` +
        `process: is another one open here?)`,
      e.code === 'UNKNOWN' ? 'EMBEDDED_UNAVAILABLE' : e.code,
      false,
      { cause: err },
    );
  }
  shared = { path: wanted, session, users: 1 };
  return session;
}

function release(session: ChdbSession): void {
  if (!shared || shared.session !== session) return;
  shared.users--;
  if (shared.users === 0) {
    shared = undefined;
    session.close();
  }
}

/** Path of the embedded engine open in this process, if any. */
export function openEmbeddedPath(): string | undefined {
  return shared?.path;
}

/** chdb in this process, with the same interface as the HTTP connection. */
export function createEmbeddedClickHouse(options: ClickHouseOptions & { embeddedPath: string }): ClickHouse {
  const session = acquire(options.embeddedPath);
  let closed = false;
  const ensureOpen = (operation: string): void => {
    if (closed) throw new StoreError(`${operation}: connection closed`, 'CLOSED', false);
  };

  return {
    kind: 'embedded',
    database: options.database,

    async command(sql) {
      ensureOpen('command');
      try {
        await session.queryAsync(sql, { format: 'TabSeparated' });
      } catch (err) {
        throw toStoreError(err, { operation: 'command', sql: sql.slice(0, 200) });
      }
    },

    async query<T>(sql: string, params?: Record<string, QueryParam>): Promise<T[]> {
      ensureOpen('query');
      try {
        const result =
          params && Object.keys(params).length > 0
            ? await session.queryBindAsync(sql, params, { format: 'JSONEachRow' })
            : await session.queryAsync(sql, { format: 'JSONEachRow' });
        return parseJsonEachRow<T>(result.text());
      } catch (err) {
        throw toStoreError(err, { operation: 'query', sql: sql.slice(0, 200) });
      }
    },

    async insertJsonEachRow(table: string, body: string | Buffer, insertOptions?: InsertOptions) {
      ensureOpen('insert');
      const target = qualifyTable(options.database, table);
      if (isEmptyBody(body)) return;
      try {
        // Raw passthrough: the bytes go to chdb's parser off the event loop, no JS objects.
        await session.insert({
          table: target,
          values: body,
          format: 'JSONEachRow',
          settings: insertSettings(insertOptions?.dedupToken),
        });
      } catch (err) {
        throw toStoreError(err, { operation: 'insert', table: target });
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      release(session);
    },
  };
}

function parseJsonEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) rows.push(JSON.parse(text.slice(start, end)) as T);
    start = end + 1;
  }
  return rows;
}

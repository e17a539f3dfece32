import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openTestClickHouse, type TestClickHouse } from '@tailstream/test-harness';
import { migrate, MIGRATIONS_DIR, loadMigrations, renderMigration, splitStatements, StoreError } from './index';

const EXPECTED_TABLES: Array<[string, string]> = [
  ['otel_traces', 'ReplacingMergeTree'],
  ['otel_traces_trace_id_ts', 'MergeTree'],
  ['otel_traces_trace_id_ts_mv', 'MaterializedView'],
  ['trace_summaries', 'ReplacingMergeTree'],
  ['red_metrics', 'AggregatingMergeTree'],
  ['red_metrics_ingest', 'Null'],
  ['red_metrics_ingest_mv', 'MaterializedView'],
  ['service_graph_edges', 'AggregatingMergeTree'],
  ['service_graph_edges_ingest', 'Null'],
  ['service_graph_edges_ingest_mv', 'MaterializedView'],
  ['red_by_service_1m', 'View'],
  ['red_by_operation_1m', 'View'],
  ['service_graph_1m', 'View'],
  ['slowest_traces', 'View'],
  ['tailstream_migrations', 'MergeTree'],
];

async function expectStoreError(promise: Promise<unknown>, code: string): Promise<StoreError> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(StoreError);
  expect((caught as StoreError).code).toBe(code);
  return caught as StoreError;
}

describe('migrate', () => {
  let t: TestClickHouse;
  beforeAll(async () => {
    t = await openTestClickHouse('store_migrate');
  });
  afterAll(async () => {
    await t.close();
  });

  it('applies every migration once, creates the tables, and applies nothing on a second run', async () => {
    const files = loadMigrations(MIGRATIONS_DIR);
    const first = await migrate(t.ch, { database: t.database, ttlDays: 7 });
    expect(first.map((m) => m.name)).toEqual(files.map((f) => f.name));

    const tables = await t.ch.query<{ name: string; engine: string }>(
      'SELECT name, engine FROM system.tables WHERE database = {db:String} ORDER BY name',
      { db: t.database },
    );
    expect(tables.map((r) => [r.name, r.engine]).sort()).toEqual([...EXPECTED_TABLES].sort());

    const recorded = await t.ch.query<{ version: number; name: string; checksum: string }>(
      `SELECT version, name, checksum FROM ${t.database}.tailstream_migrations ORDER BY version`,
    );
    expect(recorded).toEqual(files.map((f) => ({ version: f.version, name: f.name, checksum: f.checksum })));

    expect(await migrate(t.ch, { database: t.database, ttlDays: 7 })).toEqual([]);
    const after = await t.ch.query<{ n: string }>(`SELECT count() AS n FROM ${t.database}.tailstream_migrations`);
    expect(after).toEqual([{ n: String(files.length) }]);
  });

  it('puts the TTL on the tables when ttlDays > 0 and none when 0', async () => {
    const ddl = await t.ch.query<{ create_table_query: string }>(
      'SELECT create_table_query FROM system.tables WHERE database = {db:String} AND name = {t:String}',
      { db: t.database, t: 'otel_traces' },
    );
    expect(ddl[0]?.create_table_query).toMatch(/TTL toDateTime\(Timestamp\) \+ toIntervalDay\(7\)/);
    expect(ddl[0]?.create_table_query).toMatch(/non_replicated_deduplication_window = 10000/);

    const other = await openTestClickHouse('store_migrate_nottl');
    try {
      await migrate(other.ch, { database: other.database, ttlDays: 0 });
      const rows = await other.ch.query<{ name: string; create_table_query: string }>(
        "SELECT name, create_table_query FROM system.tables WHERE database = {db:String} AND engine LIKE '%MergeTree'",
        { db: other.database },
      );
      expect(rows.length).toBeGreaterThanOrEqual(6);
      for (const r of rows) expect(r.create_table_query).not.toMatch(/\bTTL\b/);
    } finally {
      await other.close();
    }
  });

  it('renders cluster + replicated DDL that ClickHouse parses', async () => {
    // No cluster here to run it on; formatQuery parses each statement with the server's parser.
    for (const file of loadMigrations(MIGRATIONS_DIR)) {
      const sql = renderMigration(file.sql, { database: 'obs', ttlDays: 30, cluster: 'main', replicated: true });
      for (const statement of splitStatements(sql)) {
        const [row] = await t.ch.query<{ f: string }>('SELECT formatQuery({q:String}) AS f', { q: statement });
        expect(row?.f).toMatch(/ON CLUSTER main/);
        if (/ENGINE = Replicated/.test(statement)) expect(row?.f).toMatch(/ENGINE = Replicated\w*MergeTree/);
      }
    }
  });

  describe('with a copied migrations directory', () => {
    let dir: string;
    let own: TestClickHouse;
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), 'tailstream-migrations-'));
      cpSync(MIGRATIONS_DIR, dir, { recursive: true });
      own = await openTestClickHouse('store_migrate_copy');
      await migrate(own.ch, { database: own.database, ttlDays: 0, dir });
    });
    afterEach(async () => {
      rmSync(dir, { recursive: true, force: true });
      await own.close();
    });

    it('refuses to run when an applied file changed, and applies nothing', async () => {
      const file = join(dir, '0002_trace_summaries.sql');
      writeFileSync(file, `${readFileSync(file, 'utf8')}\n-- edited\n`);
      writeFileSync(join(dir, '0099_new.sql'), `CREATE TABLE IF NOT EXISTS {database}.late (x UInt8) ENGINE = Memory;`);
      const err = await expectStoreError(migrate(own.ch, { database: own.database, ttlDays: 0, dir }), 'MIGRATION_CHECKSUM_MISMATCH');
      expect(err.message).toMatch(/0002_trace_summaries\.sql was changed/);
      expect(err.retryable).toBe(false);
      const late = await own.ch.query('SELECT name FROM system.tables WHERE database = {db:String} AND name = {t:String}', {
        db: own.database,
        t: 'late',
      });
      expect(late).toEqual([]);
    });

    it('refuses to run when an applied file was removed', async () => {
      unlinkSync(join(dir, '0005_dashboard_views.sql'));
      await expectStoreError(migrate(own.ch, { database: own.database, ttlDays: 0, dir }), 'MIGRATION_MISSING');
    });

    it('applies only a newly added migration', async () => {
      writeFileSync(join(dir, '0006_extra.sql'), 'CREATE TABLE IF NOT EXISTS {database}.extra (x UInt8) ENGINE = Memory;\n');
      const applied = await migrate(own.ch, { database: own.database, ttlDays: 0, dir });
      expect(applied.map((m) => m.name)).toEqual(['0006_extra.sql']);
    });
  });
});

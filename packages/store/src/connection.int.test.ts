import { openTestClickHouse, type TestClickHouse, embeddedTestPath } from '@tailstream/test-harness';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickHouse, StoreError } from './index';

async function caught(promise: Promise<unknown>): Promise<StoreError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    return err as StoreError;
  }
  throw new Error('expected a StoreError');
}

describe('ClickHouse connection', () => {
  let t: TestClickHouse;
  beforeAll(async () => {
    t = await openTestClickHouse('store_conn');
    await t.ch.command(`CREATE TABLE ${t.database}.kv (k UInt64, v String) ENGINE = MergeTree ORDER BY k`);
  });
  afterAll(async () => {
    await t.close();
  });

  it('inserts into a bare table name in its database and binds query parameters', async () => {
    await t.ch.insertJsonEachRow('kv', '{"k":18446744073709551615,"v":"max"}\n{"k":1,"v":"one"}\n');
    const rows = await t.ch.query<{ k: string; v: string }>(
      `SELECT k, v FROM ${t.database}.kv WHERE v IN {vs:Array(String)} AND k >= {min:UInt64} ORDER BY k`,
      { vs: ['max', 'one'], min: 1 },
    );
    expect(rows).toEqual([
      { k: '1', v: 'one' },
      { k: '18446744073709551615', v: 'max' },
    ]);
  });

  it('treats an empty body as nothing to insert', async () => {
    await t.ch.insertJsonEachRow('kv', '');
    await t.ch.insertJsonEachRow('kv', Buffer.from('\n  \n'));
    const [row] = await t.ch.query<{ n: string }>(`SELECT count() AS n FROM ${t.database}.kv`);
    expect(row?.n).toBe('2');
  });

  it.each([
    ['a syntax error', (db: string) => t.ch.command(`CREATE TABLE ${db}.x (`), 'SYNTAX_ERROR'],
    ['an unknown table', (db: string) => t.ch.query(`SELECT * FROM ${db}.missing`), 'UNKNOWN_TABLE'],
    ['a malformed row', () => t.ch.insertJsonEachRow('kv', '{"k":"not a number","v":1}\n'), undefined],
  ])('reports %s as a typed, non-retryable error', async (_name, run, code) => {
    const err = await caught(run(t.database));
    expect(err.retryable).toBe(false);
    expect(err.clickhouseCode).toEqual(expect.any(Number));
    if (code) expect(err.code).toBe(code);
  });

  it('rejects table names that are not plain identifiers', async () => {
    await expect(t.ch.insertJsonEachRow('kv; DROP TABLE kv', '{"k":1}\n')).rejects.toThrow(/invalid table name/);
  });

  const embeddedOnly = process.env.CLICKHOUSE_URL ? it.skip : it;
  embeddedOnly('refuses a second embedded data directory in the same process', () => {
    let err: unknown;
    try {
      createClickHouse({ database: 'x', embeddedPath: join(tmpdir(), 'tailstream-other-chdb') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('EMBEDDED_PATH_CONFLICT');
  });

  embeddedOnly('shares the embedded engine between connections on the same path', async () => {
    const second = createClickHouse({ database: t.database, embeddedPath: embeddedTestPath() });
    const [row] = await second.query<{ n: string }>(`SELECT count() AS n FROM ${t.database}.kv`);
    await second.close();
    expect(row?.n).toBe('2');
    // The first connection still works after the second one closed.
    const [again] = await t.ch.query<{ n: string }>(`SELECT count() AS n FROM ${t.database}.kv`);
    expect(again?.n).toBe('2');
  });
});

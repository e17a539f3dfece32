import { StoreError } from '@tailstream/store';
import { queryRoute } from './query-route';
import { FakeClickHouse } from './test-support/fakes';

class QueryClickHouse extends FakeClickHouse {
  readonly seen: string[] = [];
  override async query<T>(sql: string, _params?: Record<string, unknown>): Promise<T[]> {
    this.seen.push(sql);
    if (sql.includes('missing_table')) throw new StoreError('Unknown table missing_table', 'UNKNOWN_TABLE', false);
    return [{ one: 1 }] as T[];
  }
}

const ask = async (ch: QueryClickHouse, sql?: string) => {
  const url = new URL('http://127.0.0.1/query');
  if (sql !== undefined) url.searchParams.set('sql', sql);
  const { status, body } = await queryRoute(ch)(url);
  return { status, body: JSON.parse(body) as Record<string, unknown> };
};

describe('GET /query', () => {
  it.each(['SELECT 1', '  select count() from t', 'WITH 1 AS x SELECT x', 'SHOW TABLES', 'DESCRIBE TABLE t', 'EXPLAIN SELECT 1', 'EXISTS TABLE t', 'SELECT 1;'])(
    'answers the read-only statement %j with its rows',
    async (sql) => {
      const ch = new QueryClickHouse();
      expect(await ask(ch, sql)).toEqual({ status: 200, body: { database: 'fake', rows: [{ one: 1 }] } });
      expect(ch.seen).toEqual([sql.replace(/;\s*$/, '')]);
    },
  );

  it.each(['INSERT INTO t VALUES (1)', 'ALTER TABLE t DELETE WHERE 1', 'DROP TABLE t', 'SELECT 1; DROP TABLE t', 'OPTIMIZE TABLE t', 'selectx 1'])(
    'refuses %j without running it',
    async (sql) => {
      const ch = new QueryClickHouse();
      const { status, body } = await ask(ch, sql);
      expect(status).toBe(400);
      expect(String(body.error)).toMatch(/read-only/);
      expect(ch.seen).toEqual([]);
    },
  );

  it('asks for the sql parameter, and reports ClickHouse errors as 400', async () => {
    const ch = new QueryClickHouse();
    expect(await ask(ch)).toEqual({ status: 400, body: { error: 'missing sql parameter' } });
    expect(await ask(ch, 'SELECT * FROM missing_table')).toEqual({ status: 400, body: { error: 'Unknown table missing_table' } });
  });
});

/** Every SQL example of docs/clickhouse.md runs against a migrated database (docs stay true). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openTestClickHouse, type TestClickHouse } from '@tailstream/test-harness';
import { migrate, MIGRATIONS_DIR, type QueryParam } from './index';

const DOC = join(MIGRATIONS_DIR, '..', '..', 'docs', 'clickhouse.md');

const PARAMS: Record<string, QueryParam> = {
  service: 'checkout',
  route: '/pay',
  from: '2024-01-01 00:00:00',
  to: '2024-01-02 00:00:00',
  trace_id: '0af7651916cd43dd8448eb211c80319c',
};

function sqlExamples(markdown: string): string[] {
  return [...markdown.matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]!.trim().replace(/;$/, ''));
}

describe('docs/clickhouse.md queries', () => {
  let t: TestClickHouse;
  beforeAll(async () => {
    t = await openTestClickHouse('store_docs');
    await migrate(t.ch, { database: t.database, ttlDays: 0 });
  });
  afterAll(async () => {
    await t.close();
  });

  const examples = sqlExamples(readFileSync(DOC, 'utf8'));
  it('has examples', () => {
    expect(examples.length).toBeGreaterThanOrEqual(6);
  });

  it.each(examples.map((sql, i) => [i + 1, sql.split('\n')[0], sql]))('example %s runs: %s', async (_i, _first, sql) => {
    const text = (sql as string).replace(/\btailstream\./g, `${t.database}.`);
    const params = Object.fromEntries(Object.entries(PARAMS).filter(([name]) => text.includes(`{${name}:`)));
    await expect(t.ch.query(text, params)).resolves.toEqual(expect.any(Array));
  });
});

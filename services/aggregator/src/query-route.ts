import type { ClickHouse } from '@tailstream/store';

const READ_ONLY = /^\s*(select|with|show|describe|desc|explain|exists)\b/i;

/**
 * GET /query?sql=…: read-only SQL against the aggregator's ClickHouse, answered as JSON rows.
 * This is how a person (or `tailstream query`) reads the embedded engine while the pipeline runs,
 * since chdb allows one data directory per process. Only statements that read are accepted.
 */
export function queryRoute(ch: ClickHouse) {
  return async (url: URL): Promise<{ status: number; body: string }> => {
    const sql = url.searchParams.get('sql') ?? '';
    if (!sql.trim()) return { status: 400, body: JSON.stringify({ error: 'missing sql parameter' }) };
    if (!READ_ONLY.test(sql) || /;\s*\S/.test(sql)) {
      return { status: 400, body: JSON.stringify({ error: 'only one read-only statement (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN, EXISTS) is allowed' }) };
    }
    try {
      const rows = await ch.query(sql.replace(/;\s*$/, ''));
      return { status: 200, body: JSON.stringify({ database: ch.database, rows }) };
    } catch (error) {
      return { status: 400, body: JSON.stringify({ error: (error as Error).message }) };
    }
  };
}

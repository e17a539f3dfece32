import { createClickHouse } from '@tailstream/store';

export interface QueryTarget {
  /** Aggregator ops endpoint serving GET /query (how to read the embedded engine while it runs). */
  endpoint?: string;
  clickhouseUrl?: string;
  username?: string;
  password?: string;
  database: string;
  dataPath: string;
}

/**
 * Runs read-only SQL: through a running aggregator's /query endpoint when one answers, otherwise
 * directly against ClickHouse (HTTP server, or the embedded data directory when no aggregator holds it).
 */
export async function runQuery(target: QueryTarget, sql: string): Promise<Record<string, unknown>[]> {
  if (target.endpoint) {
    try {
      const res = await fetch(`${target.endpoint.replace(/\/$/, '')}/query?sql=${encodeURIComponent(sql)}`);
      const body = (await res.json()) as { rows?: Record<string, unknown>[]; error?: string };
      if (!res.ok) throw new Error(body.error ?? `query endpoint answered ${res.status}`);
      return body.rows ?? [];
    } catch (error) {
      if (!isConnectionRefused(error)) throw error;
    }
  }
  const ch = createClickHouse({
    database: target.database,
    url: target.clickhouseUrl || undefined,
    username: target.username,
    password: target.password,
    embeddedPath: target.dataPath,
  });
  try {
    return await ch.query<Record<string, unknown>>(sql);
  } finally {
    await ch.close();
  }
}

function isConnectionRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code === 'ECONNREFUSED' || (error as { code?: string }).code === 'ECONNREFUSED';
}

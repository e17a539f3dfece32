import { randomUUID } from 'node:crypto';

/**
 * Settings sent with every insert, on both connections:
 * - `async_insert = 0`: the insert is acknowledged only once the rows are written into parts
 *   (chdb 3.4 / ClickHouse 26 default async_insert to 1, where tokens are ignored);
 * - `insert_deduplicate = 1` + `insert_deduplication_token`: a repeated token is dropped, on
 *   tables with a deduplication window (the migrations set `non_replicated_deduplication_window`,
 *   or Replicated engines' own window);
 * - `deduplicate_blocks_in_dependent_materialized_views = 1`: the token also protects tables fed
 *   through materialized views (red_metrics via red_metrics_ingest, the trace-ID lookup).
 * Without a caller token a random one is used, so two distinct inserts with identical content are
 * both kept (plain content-hash deduplication would drop the second one).
 */
export function insertSettings(dedupToken: string | undefined): Record<string, string | number> {
  return {
    async_insert: 0,
    insert_deduplicate: 1,
    insert_deduplication_token: dedupToken ?? `tailstream-${randomUUID()}`,
    deduplicate_blocks_in_dependent_materialized_views: 1,
  };
}

/** Adds the store's database to a bare table name; validates both parts. */
export function qualifyTable(database: string, table: string): string {
  const parts = table.split('.');
  if (parts.length > 2 || parts.some((p) => !IDENTIFIER.test(p))) {
    throw new TypeError(`invalid table name ${JSON.stringify(table)}: expected [db.]name of letters, digits, _`);
  }
  return parts.length === 2 ? table : `${database}.${table}`;
}

/** ClickHouse identifiers Tailstream accepts unquoted. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** True when the body holds no row at all (only whitespace). */
export function isEmptyBody(body: string | Buffer): boolean {
  if (typeof body === 'string') {
    // Early exit on the first non-blank character: no copy of a multi-megabyte body.
    for (let i = 0; i < body.length; i++) {
      const c = body.charCodeAt(i);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
    }
    return true;
  }
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return true;
}

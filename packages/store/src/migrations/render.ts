import { StoreError } from '../errors';

/** Options that shape the DDL of one deployment (see docs/clickhouse.md, "Cluster options"). */
export interface RenderOptions {
  /** Database the tables are created in. */
  database: string;
  /** Days to keep data (TTL on every table's time column); 0 keeps data forever. */
  ttlDays: number;
  /** Cluster name: adds `ON CLUSTER <name>` to every statement. */
  cluster?: string;
  /** Use Replicated* engines (ReplicatedMergeTree with the server's default path and replica macros). */
  replicated?: boolean;
}

/** Blocks remembered per table for insert deduplication (a replay older than this is not caught). */
export const DEDUP_WINDOW_BLOCKS = 10_000;

const DATABASE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CLUSTER_NAME = /^[A-Za-z0-9_.-]+$/;

/**
 * Substitutes the placeholders of a migration file:
 * - `{database}`: the database name;
 * - `{on_cluster}`: empty, or `ON CLUSTER \`name\``;
 * - `{engine_prefix}`: empty, or `Replicated` (so `{engine_prefix}MergeTree()` becomes
 *   `ReplicatedMergeTree()`, using the server's default_replica_path / default_replica_name);
 * - `{ttl_days}`: the number of days;
 * - `{ttl_clause(<expr>)}`: empty when ttlDays is 0, else `TTL <expr> + toIntervalDay(<days>)`;
 * - `{dedup_window}`: the table setting that enables insert deduplication for the engine in use
 *   (`non_replicated_deduplication_window` or `replicated_deduplication_window`).
 * Any other `{lower_case}` placeholder is an error, so a typo never reaches ClickHouse.
 */
export function renderMigration(sql: string, options: RenderOptions): string {
  const { database, ttlDays, cluster, replicated } = options;
  if (!DATABASE_NAME.test(database)) {
    throw new StoreError(`invalid database name ${JSON.stringify(database)}`, 'CONFIG', false);
  }
  if (!Number.isInteger(ttlDays) || ttlDays < 0) {
    throw new StoreError(`ttlDays must be a whole number >= 0, got ${ttlDays}`, 'CONFIG', false);
  }
  if (cluster !== undefined && cluster !== '' && !CLUSTER_NAME.test(cluster)) {
    throw new StoreError(`invalid cluster name ${JSON.stringify(cluster)}`, 'CONFIG', false);
  }
  const onCluster = cluster ? `ON CLUSTER \`${cluster}\`` : '';
  const dedupWindow = replicated
    ? `replicated_deduplication_window = ${DEDUP_WINDOW_BLOCKS}`
    : `non_replicated_deduplication_window = ${DEDUP_WINDOW_BLOCKS}`;

  const rendered = sql
    .replace(/\{ttl_clause\((.+?)\)\}/g, (_match, expr: string) => (ttlDays === 0 ? '' : `TTL ${expr.trim()} + toIntervalDay(${ttlDays})`))
    .replace(/\{database\}/g, database)
    .replace(/\{on_cluster\}/g, onCluster)
    .replace(/\{engine_prefix\}/g, replicated ? 'Replicated' : '')
    .replace(/\{ttl_days\}/g, String(ttlDays))
    .replace(/\{dedup_window\}/g, dedupWindow);

  const leftover = /\{[a-z_]+(\(.*?\))?\}/.exec(rendered);
  if (leftover) {
    throw new StoreError(`unknown placeholder ${leftover[0]} in migration`, 'MIGRATION_INVALID', false);
  }
  return rendered;
}

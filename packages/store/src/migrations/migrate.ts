import { StoreError } from '../errors';
import type { ClickHouse } from '../connection/types';
import { loadMigrations, MIGRATIONS_DIR, type MigrationFile } from './files';
import { renderMigration, type RenderOptions } from './render';
import { splitStatements } from './split';

export interface MigrateOptions extends RenderOptions {
  /** Directory of `NNNN_description.sql` files (default: the repository's schemas/clickhouse). */
  dir?: string;
}

/** A migration that `migrate` applied in this run. */
export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

/** Bookkeeping table, created by the runner in the target database. */
export const MIGRATIONS_TABLE = 'tailstream_migrations';

/**
 * Brings the database up to date: creates it if missing, then applies each migration file that
 * is not yet recorded in `tailstream_migrations`, in version order, recording each with its
 * checksum once all its statements succeeded. Refuses to run (before applying anything) when an
 * applied file was changed or removed: migrations are append-only. Statements are idempotent
 * (`IF NOT EXISTS`), so a run interrupted mid-file is completed by the next run.
 * Run it from one place at a time (a deploy step), not from every worker concurrently.
 */
export async function migrate(ch: ClickHouse, options: MigrateOptions): Promise<AppliedMigration[]> {
  const files = loadMigrations(options.dir ?? MIGRATIONS_DIR);
  const render = (sql: string): string => renderMigration(sql, options);
  const db = options.database;

  await ch.command(render('CREATE DATABASE IF NOT EXISTS {database} {on_cluster}'));
  await ch.command(
    render(`CREATE TABLE IF NOT EXISTS {database}.${MIGRATIONS_TABLE} {on_cluster} (
    version UInt32,
    name String,
    checksum String,
    applied_at DateTime64(3, 'UTC')
) ENGINE = {engine_prefix}MergeTree()
ORDER BY version`),
  );

  const applied = await ch.query<{ version: number; name: string; checksum: string }>(
    `SELECT version, any(name) AS name, any(checksum) AS checksum FROM ${db}.${MIGRATIONS_TABLE} GROUP BY version ORDER BY version`,
  );
  const byVersion = new Map<number, MigrationFile>(files.map((f) => [f.version, f]));
  for (const row of applied) {
    const file = byVersion.get(Number(row.version));
    if (!file) {
      throw new StoreError(
        `migration ${row.name} (version ${row.version}) is recorded as applied in ${db} but its file is missing`,
        'MIGRATION_MISSING',
        false,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new StoreError(
        `migration ${file.name} was changed after it was applied to ${db} (checksum ${row.checksum.slice(0, 12)}… ` +
          `recorded, ${file.checksum.slice(0, 12)}… on disk). Migrations are append-only: revert the edit and add ` +
          `a new migration instead.`,
        'MIGRATION_CHECKSUM_MISMATCH',
        false,
        { context: { file: file.name, database: db } },
      );
    }
  }

  const done = new Set(applied.map((r) => Number(r.version)));
  const result: AppliedMigration[] = [];
  for (const file of files) {
    if (done.has(file.version)) continue;
    for (const statement of splitStatements(render(file.sql))) {
      await ch.command(statement);
    }
    const record = { version: file.version, name: file.name, checksum: file.checksum, applied_at: (Date.now() / 1000).toFixed(3) };
    await ch.insertJsonEachRow(`${db}.${MIGRATIONS_TABLE}`, `${JSON.stringify(record)}\n`, {
      dedupToken: `migration-${file.version}-${file.checksum}`,
    });
    result.push({ version: file.version, name: file.name, checksum: file.checksum });
  }
  return result;
}

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { StoreError } from '../errors';

/** One migration file: `NNNN_description.sql`. */
export interface MigrationFile {
  version: number;
  name: string;
  /** sha256 of the file as written (before placeholders are substituted). */
  checksum: string;
  sql: string;
}

const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/**
 * Finds `schemas/clickhouse` by walking up from `from`: works from `src/` under jest and from
 * `dist/` once built, wherever the repository is checked out. Returns undefined if absent.
 */
export function findMigrationsDir(from: string = __dirname): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'schemas', 'clickhouse');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The repository's `schemas/clickhouse` (empty string when it cannot be found from here). */
export const MIGRATIONS_DIR: string = findMigrationsDir() ?? '';

/** sha256 hex of a migration's text. */
export function checksumOf(sql: string): string {
  return createHash('sha256').update(sql, 'utf8').digest('hex');
}

/** Reads the migration files of `dir`, sorted by version; rejects bad names and duplicate versions. */
export function loadMigrations(dir: string): MigrationFile[] {
  if (!dir || !existsSync(dir)) {
    throw new StoreError(`migrations directory not found: ${dir || '(schemas/clickhouse not found)'}`, 'MIGRATION_INVALID', false);
  }
  const files: MigrationFile[] = [];
  for (const entry of readdirSync(dir)) {
    if (!entry.endsWith('.sql')) continue;
    const match = FILE_NAME.exec(entry);
    if (!match) {
      throw new StoreError(`migration file ${entry} does not match NNNN_description.sql`, 'MIGRATION_INVALID', false);
    }
    const sql = readFileSync(join(dir, entry), 'utf8');
    files.push({ version: Number(match[1]), name: entry, checksum: checksumOf(sql), sql });
  }
  files.sort((a, b) => a.version - b.version);
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.version === files[i - 1]!.version) {
      throw new StoreError(`two migrations share version ${files[i]!.version}`, 'MIGRATION_INVALID', false);
    }
  }
  return files;
}

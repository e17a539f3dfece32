import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checksumOf, findMigrationsDir, loadMigrations, MIGRATIONS_DIR } from './files';
import { renderMigration } from './render';
import { splitStatements } from './split';

describe('migration files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tailstream-migrations-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the repository schemas/clickhouse from src', () => {
    expect(MIGRATIONS_DIR).toMatch(/schemas[/\\]clickhouse$/);
    expect(findMigrationsDir(join(MIGRATIONS_DIR, '..', '..', 'packages', 'store', 'dist', 'migrations'))).toBe(MIGRATIONS_DIR);
  });

  it('loads files sorted by version with their checksum, ignoring non-sql files', () => {
    writeFileSync(join(dir, '0002_b.sql'), 'SELECT 2;');
    writeFileSync(join(dir, '0001_a.sql'), 'SELECT 1;');
    writeFileSync(join(dir, 'README.md'), 'notes');
    const files = loadMigrations(dir);
    expect(files.map((f) => [f.version, f.name, f.checksum])).toEqual([
      [1, '0001_a.sql', checksumOf('SELECT 1;')],
      [2, '0002_b.sql', checksumOf('SELECT 2;')],
    ]);
  });

  it.each([
    ['a badly named file', ['1_a.sql']],
    ['two files with one version', ['0001_a.sql', '0001_b.sql']],
  ])('rejects %s', (_name, names) => {
    for (const n of names) writeFileSync(join(dir, n), 'SELECT 1;');
    expect(() => loadMigrations(dir)).toThrow(/NNNN_description|share version/);
  });

  it('every shipped migration renders in both deployment shapes and splits into statements', () => {
    for (const file of loadMigrations(MIGRATIONS_DIR)) {
      for (const options of [
        { database: 'db', ttlDays: 0 },
        { database: 'db', ttlDays: 30, cluster: 'c1', replicated: true },
      ]) {
        const statements = splitStatements(renderMigration(file.sql, options));
        expect(statements.length).toBeGreaterThan(0);
        for (const s of statements) expect(s).toMatch(/^CREATE (TABLE|MATERIALIZED VIEW|VIEW) IF NOT EXISTS db\./);
      }
    }
  });
});

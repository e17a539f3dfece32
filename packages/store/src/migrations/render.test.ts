import { StoreError } from '../errors';
import { renderMigration, DEDUP_WINDOW_BLOCKS } from './render';

const ddl =
  'CREATE TABLE IF NOT EXISTS {database}.t {on_cluster} (ts DateTime64(9)) ENGINE = {engine_prefix}MergeTree()\n' +
  'ORDER BY ts\n{ttl_clause(toDateTime(ts))}\nSETTINGS {dedup_window}; -- keep {ttl_days} days';

describe('renderMigration', () => {
  it('renders a single-node deployment without TTL', () => {
    expect(renderMigration(ddl, { database: 'obs', ttlDays: 0 })).toBe(
      'CREATE TABLE IF NOT EXISTS obs.t  (ts DateTime64(9)) ENGINE = MergeTree()\n' +
        `ORDER BY ts\n\nSETTINGS non_replicated_deduplication_window = ${DEDUP_WINDOW_BLOCKS}; -- keep 0 days`,
    );
  });

  it('renders a replicated cluster deployment with TTL', () => {
    expect(renderMigration(ddl, { database: 'obs', ttlDays: 7, cluster: 'main', replicated: true })).toBe(
      'CREATE TABLE IF NOT EXISTS obs.t ON CLUSTER `main` (ts DateTime64(9)) ENGINE = ReplicatedMergeTree()\n' +
        `ORDER BY ts\nTTL toDateTime(ts) + toIntervalDay(7)\nSETTINGS replicated_deduplication_window = ${DEDUP_WINDOW_BLOCKS}; -- keep 7 days`,
    );
  });

  it('expands several ttl clauses with their own expressions', () => {
    const sql = 'a {ttl_clause(Bucket)} b {ttl_clause(toDateTime(Start))}';
    expect(renderMigration(sql, { database: 'd', ttlDays: 3 })).toBe(
      'a TTL Bucket + toIntervalDay(3) b TTL toDateTime(Start) + toIntervalDay(3)',
    );
  });

  const bad: Array<[string, string, Parameters<typeof renderMigration>[1], string]> = [
    ['unknown placeholder', 'SELECT {databse}', { database: 'd', ttlDays: 0 }, 'MIGRATION_INVALID'],
    ['bad database name', 'SELECT 1', { database: 'd; DROP', ttlDays: 0 }, 'CONFIG'],
    ['negative ttl', 'SELECT 1', { database: 'd', ttlDays: -1 }, 'CONFIG'],
    ['fractional ttl', 'SELECT 1', { database: 'd', ttlDays: 1.5 }, 'CONFIG'],
    ['bad cluster name', 'SELECT 1', { database: 'd', ttlDays: 0, cluster: 'a`b' }, 'CONFIG'],
  ];
  it.each(bad)('rejects %s', (_name, sql, options, code) => {
    let caught: unknown;
    try {
      renderMigration(sql, options);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(StoreError);
    expect((caught as StoreError).code).toBe(code);
  });
});

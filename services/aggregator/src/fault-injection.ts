import { writeSync } from 'node:fs';
import type { ClickHouse } from '@tailstream/store';

/** What `fault.*` in the config asks for (tests only; off when killAfterInserts is 0). */
export interface KillAfterInserts {
  killAfterInserts: number;
  killTable: string;
}

/**
 * Test-only fault injection: a ClickHouse whose N-th acknowledged insert (into `killTable`, or any
 * table) is followed at once by SIGKILL of this process — after ClickHouse has the rows, before the
 * caller could commit the Kafka offsets they came from. That is the crash window the dedup tokens
 * exist for. Returns `ch` itself when the fault is off.
 */
export function withKillAfterInserts(ch: ClickHouse, fault: KillAfterInserts): ClickHouse {
  if (fault.killAfterInserts <= 0) return ch;
  let counted = 0;
  const matches = (table: string): boolean => fault.killTable === '' || table === fault.killTable || table.endsWith(`.${fault.killTable}`);
  return {
    kind: ch.kind,
    database: ch.database,
    command: (sql) => ch.command(sql),
    query: <T>(sql: string, params?: Parameters<ClickHouse['query']>[1]) => ch.query<T>(sql, params),
    close: () => ch.close(),
    async insertJsonEachRow(table, body, options) {
      await ch.insertJsonEachRow(table, body, options);
      if (!matches(table) || ++counted < fault.killAfterInserts) return;
      // Synchronous write: the process dies on the next line, an async logger would lose it.
      writeSync(2, `${JSON.stringify({ msg: 'fault injection: SIGKILL after acknowledged insert', table, dedupToken: options?.dedupToken, insert: counted })}\n`);
      process.kill(process.pid, 'SIGKILL');
    },
  };
}

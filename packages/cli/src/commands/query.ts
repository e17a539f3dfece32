import { clickhouseSection, COMMON_ALIASES, loadConfig } from '@tailstream/config';
import { z } from 'zod';
import { EXIT, intFlag, parseFlags, UsageError, type Command } from '../command';
import { runQuery } from '../query-client';
import { keptByPolicySql, redByOperationSql, redByServiceSql, slowestTracesSql, traceByIdSql } from '../reports';
import { formatTable } from '../table';

const schema = z.object({ clickhouse: clickhouseSection });

export const queryCommand: Command = {
  name: 'query',
  summary: 'read ClickHouse: SQL or a named report (red, operations, policies, traces, trace ID)',
  help: `Usage: tailstream query <report | SQL> [--endpoint URL] [--json] [--limit N]

Reports:
  red               RED per service: rate, error %, p50/p95/p99 (from every span)
  operations        RED per service, operation and kind
  policies          kept traces by deciding policy
  traces            the slowest kept traces (--limit N, default 10)
  trace <TRACE_ID>  the spans of one trace, in start order
  "<SQL>"           any read-only statement

--endpoint  a running aggregator's ops address (default http://127.0.0.1:9466); it serves the
            embedded engine while the pipeline runs. When none answers, the query goes straight
            to CLICKHOUSE_URL or to the embedded data directory (TAILSTREAM_CLICKHOUSE_DATA_PATH).
--json      print rows as JSON lines instead of a table`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      endpoint: { type: 'string' },
      json: { type: 'boolean' },
      limit: { type: 'string' },
    });
    const config = loadConfig(schema, { envPrefix: 'TAILSTREAM_', aliases: COMMON_ALIASES });
    const database = config.clickhouse.database;
    const [what, arg] = positionals;
    if (!what) throw new UsageError('query: name a report (red, operations, policies, traces, trace ID) or give SQL');
    let sql: string;
    switch (what) {
      case 'red':
        sql = redByServiceSql(database);
        break;
      case 'operations':
        sql = redByOperationSql(database);
        break;
      case 'policies':
        sql = keptByPolicySql(database);
        break;
      case 'traces':
        sql = slowestTracesSql(database, intFlag(values.limit, 'limit') ?? 10);
        break;
      case 'trace':
        if (!arg) throw new UsageError('query trace: give a trace ID (32 hex characters)');
        sql = traceByIdSql(database, arg.toLowerCase());
        break;
      default:
        sql = positionals.join(' ');
    }
    const rows = await runQuery(
      {
        endpoint: (values.endpoint as string | undefined) ?? process.env.TAILSTREAM_QUERY_ENDPOINT ?? 'http://127.0.0.1:9466',
        clickhouseUrl: config.clickhouse.url,
        username: config.clickhouse.username,
        password: config.clickhouse.password,
        database,
        dataPath: config.clickhouse.dataPath,
      },
      sql,
    );
    if (values.json) for (const row of rows) console.log(JSON.stringify(row));
    else console.log(formatTable(rows));
    return EXIT.OK;
  },
};

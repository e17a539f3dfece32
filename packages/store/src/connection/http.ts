import { Readable } from 'node:stream';
import { ClickHouseLogLevel, createClient, parseError, type ClickHouseClient } from '@clickhouse/client';
import { toStoreError } from '../errors';
import { insertSettings, isEmptyBody, qualifyTable } from './insert-settings';
import type { ClickHouse, ClickHouseOptions, InsertOptions, QueryParam } from './types';

/** ClickHouse server over HTTP through @clickhouse/client. */
export function createHttpClickHouse(options: ClickHouseOptions & { url: string }): ClickHouse {
  const client: ClickHouseClient = createClient({
    url: options.url,
    username: options.username,
    password: options.password,
    request_timeout: options.requestTimeoutMs ?? 30_000,
    // Acknowledged writes only, whatever the server profile says.
    clickhouse_settings: { async_insert: 0 },
    // Failures reach the caller as StoreError (and get logged there, once); the client stays quiet.
    log: { level: ClickHouseLogLevel.OFF },
  });
  let closed = false;

  return {
    kind: 'http',
    database: options.database,

    async command(sql) {
      try {
        await client.command({ query: sql });
      } catch (err) {
        throw toStoreError(err, { operation: 'command', sql: sql.slice(0, 200) });
      }
    },

    async query<T>(sql: string, params?: Record<string, QueryParam>): Promise<T[]> {
      try {
        const result = await client.query({
          query: sql,
          format: 'JSONEachRow',
          query_params: params,
          clickhouse_settings: { output_format_json_quote_64bit_integers: 1 },
        });
        return await result.json<T>();
      } catch (err) {
        throw toStoreError(err, { operation: 'query', sql: sql.slice(0, 200) });
      }
    },

    async insertJsonEachRow(table: string, body: string | Buffer, insertOptions?: InsertOptions) {
      const target = qualifyTable(options.database, table);
      if (isEmptyBody(body)) return;
      try {
        // exec() streams the body as-is: client.insert() would want JS objects for JSON formats.
        const result = await client.exec({
          query: `INSERT INTO ${target} FORMAT JSONEachRow`,
          values: Readable.from([body], { objectMode: false }),
          // wait_end_of_query: the HTTP status is sent only once the insert finished, so a 200 is an ack.
          clickhouse_settings: { ...insertSettings(insertOptions?.dedupToken), wait_end_of_query: 1 },
        });
        const response = await readAll(result.stream);
        if (response.includes('DB::Exception')) throw parseError(response);
      } catch (err) {
        throw toStoreError(err, { operation: 'insert', table: target });
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      await client.close();
    },
  };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  return text;
}

/**
 * The HTTP connection against a loopback stand-in for ClickHouse's HTTP interface: checks what
 * the store sends (statement, settings, body bytes) and how server errors and network failures
 * map to StoreError. A real server is exercised by the integration tests when CLICKHOUSE_URL is set.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StoreError } from '../errors';
import { createHttpClickHouse } from './http';

interface Seen {
  params: URLSearchParams;
  body: string;
}

function startServer(handler: (seen: Seen, res: ServerResponse) => void): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry = { params: new URL(req.url ?? '/', 'http://x').searchParams, body: Buffer.concat(chunks).toString('utf8') };
      seen.push(entry);
      handler(entry, res);
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server })),
  );
}

const ok = (_seen: Seen, res: ServerResponse): void => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end('');
};

describe('HTTP connection', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  it('sends an acknowledged, deduplicated JSONEachRow insert with the body bytes unchanged', async () => {
    const started = await startServer(ok);
    server = started.server;
    const ch = createHttpClickHouse({ url: started.url, database: 'obs' });
    const body = '{"a":"é\\n"}\n{"a":"b"}\n';
    await ch.insertJsonEachRow('otel_traces', Buffer.from(body), { dedupToken: 'p0-10-20' });
    await ch.insertJsonEachRow('otel_traces', body);
    await ch.close();

    const [first, second] = started.seen;
    expect(first!.params.get('query')).toBe('INSERT INTO obs.otel_traces FORMAT JSONEachRow');
    expect(first!.body).toBe(body);
    expect(first!.params.get('async_insert')).toBe('0');
    expect(first!.params.get('insert_deduplicate')).toBe('1');
    expect(first!.params.get('insert_deduplication_token')).toBe('p0-10-20');
    expect(first!.params.get('deduplicate_blocks_in_dependent_materialized_views')).toBe('1');
    expect(first!.params.get('wait_end_of_query')).toBe('1');
    // No caller token: a fresh one per insert, so equal content is never dropped.
    expect(second!.params.get('insert_deduplication_token')).toMatch(/^tailstream-[0-9a-f-]{36}$/);
  });

  it('parses JSONEachRow query results and sends parameters', async () => {
    const started = await startServer((_seen, res) => {
      res.writeHead(200, { 'Content-Type': 'application/x-ndjson' });
      res.end('{"n":"1"}\n{"n":"2"}\n');
    });
    server = started.server;
    const ch = createHttpClickHouse({ url: started.url, database: 'obs' });
    const rows = await ch.query<{ n: string }>('SELECT n FROM obs.t WHERE x = {x:String}', { x: 'y' });
    await ch.close();
    expect(rows).toEqual([{ n: '1' }, { n: '2' }]);
    const sent = started.seen[0]!;
    expect(sent.params.get('param_x')).toBe('y');
    expect(sent.params.get('output_format_json_quote_64bit_integers')).toBe('1');
  });

  it.each([
    [252, 'TOO_MANY_PARTS', true],
    [62, 'SYNTAX_ERROR', false],
  ])('maps server error %s to %s (retryable %s)', async (code, name, retryable) => {
    const started = await startServer((_seen, res) => {
      res.writeHead(500, { 'X-ClickHouse-Exception-Code': String(code), 'Content-Type': 'text/plain' });
      res.end(`Code: ${code}. DB::Exception: something went wrong. (${name}) (version 25.8.1.1)\n`);
    });
    server = started.server;
    const ch = createHttpClickHouse({ url: started.url, database: 'obs' });
    let err: unknown;
    try {
      await ch.insertJsonEachRow('t', '{"a":1}\n', { dedupToken: 'x' });
    } catch (e) {
      err = e;
    }
    await ch.close();
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: name, retryable, clickhouseCode: code });
  });

  it('treats an exception in a 200 response body as a failed insert', async () => {
    const started = await startServer((_seen, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end('Code: 252. DB::Exception: Too many parts (300). (TOO_MANY_PARTS) (version 25.8.1.1)\n');
    });
    server = started.server;
    const ch = createHttpClickHouse({ url: started.url, database: 'obs' });
    await expect(ch.insertJsonEachRow('t', '{"a":1}\n')).rejects.toMatchObject({ code: 'TOO_MANY_PARTS', retryable: true });
    await ch.close();
  });

  it('reports a refused connection as a retryable network error', async () => {
    const started = await startServer(ok);
    const url = started.url;
    await new Promise<void>((resolve) => started.server.close(() => resolve()));
    const ch = createHttpClickHouse({ url, database: 'obs', requestTimeoutMs: 2_000 });
    let err: unknown;
    try {
      await ch.command('SELECT 1');
    } catch (e) {
      err = e;
    }
    await ch.close();
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'NETWORK', retryable: true });
  });
});

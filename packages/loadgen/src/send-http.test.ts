import * as http from 'http';
import type { AddressInfo } from 'net';
import { gunzipSync } from 'zlib';
import { toHex } from '@tailstream/model';
import { decodeOtlpTraces, encodeExportTraceServiceResponse, exportTraceServiceResponseJson } from '@tailstream/otlp';
import { DEFAULT_START_TIME_UNIX_NANO, TrafficGenerator, type LoadRequest } from './generator';
import { requestSpanCount } from './pump';
import { retryAfterMs, sendOtlpHttp } from './send-http';
import type { Timer } from './timing';

interface Received {
  contentType: string;
  contentEncoding: string;
  spanIds: string[];
  traceIds: string[];
}

type Reply = (req: http.IncomingMessage, attempt: number) => { status: number; headers?: Record<string, string>; body?: Buffer | string };

/** A real OTLP/HTTP endpoint on 127.0.0.1 that decodes what it receives and answers as `reply` says. */
async function startServer(
  reply: Reply,
): Promise<{ url: string; received: Received[]; attempts: () => number; connections: () => number; close: () => Promise<void> }> {
  const received: Received[] = [];
  let attempts = 0;
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const attempt = attempts++;
      const answer = reply(req, attempt);
      if (answer.status === 200) {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const json = String(req.headers['content-type']).includes('json');
        const decoded = decodeOtlpTraces(body, json ? 'json' : 'protobuf', { nowNs: DEFAULT_START_TIME_UNIX_NANO });
        received.push({
          contentType: String(req.headers['content-type']),
          contentEncoding: String(req.headers['content-encoding'] ?? ''),
          spanIds: decoded.batches.flatMap((b) => b.spans.map((s) => toHex(s.spanId))),
          traceIds: decoded.batches.map((b) => toHex(b.traceId)),
        });
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/traces`,
    received,
    attempts: () => attempts,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const ok: Reply = () => ({ status: 200, headers: { 'content-type': 'application/x-protobuf' }, body: encodeExportTraceServiceResponse() });

function requests(traces: number, extra: ConstructorParameters<typeof TrafficGenerator>[0] = {}): LoadRequest[] {
  return [...new TrafficGenerator({ seed: 21, traces, lateRate: 0, splitRate: 0, spansPerRequest: 100, ...extra })];
}

function spanIdsOf(list: LoadRequest[]): string[] {
  return list.flatMap((r) => r.batches.flatMap((b) => b.spans.map((s) => toHex(s.spanId))));
}

/** A clock that only moves when someone sleeps: makes delays and rates deterministic. */
function fakeTimer(): Timer & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now += Math.max(0, ms);
    },
  };
}

describe('sendOtlpHttp', () => {
  test('sends every span as OTLP protobuf over keep-alive connections and counts them accepted', async () => {
    const server = await startServer(ok);
    try {
      const list = requests(60);
      const result = await sendOtlpHttp({ url: server.url, source: list, concurrency: 3 });
      expect(server.received.map((r) => r.contentType)).toEqual(list.map(() => 'application/x-protobuf'));
      expect(server.received.flatMap((r) => r.spanIds).sort()).toEqual(spanIdsOf(list).sort());
      const spans = spanIdsOf(list).length;
      expect(result).toMatchObject({
        requests: list.length,
        requestsAccepted: list.length,
        spans,
        spansAccepted: spans,
        spansRejected: 0,
        spansFailed: 0,
        retries: 0,
      });
      expect(result.statuses).toEqual({ '200': list.length });
      expect(list.length).toBeGreaterThan(10);
      expect(server.connections()).toBeLessThanOrEqual(3);
    } finally {
      await server.close();
    }
  });

  test('JSON bodies with gzip', async () => {
    const server = await startServer(() => ({ status: 200, headers: { 'content-type': 'application/json' }, body: '{}' }));
    try {
      const list = requests(20);
      const result = await sendOtlpHttp({ url: server.url, source: list, encoding: 'json', gzip: true });
      expect(new Set(server.received.map((r) => `${r.contentType} ${r.contentEncoding}`))).toEqual(new Set(['application/json gzip']));
      expect(server.received.flatMap((r) => r.spanIds).sort()).toEqual(spanIdsOf(list).sort());
      expect(result.spansAccepted).toBe(spanIdsOf(list).length);
    } finally {
      await server.close();
    }
  });

  test('503 with Retry-After is retried after the advertised delay, then accepted', async () => {
    const server = await startServer((_req, attempt) =>
      attempt < 2 ? { status: 503, headers: { 'retry-after': '2' } } : ok(_req, attempt),
    );
    const timer = fakeTimer();
    try {
      const list = requests(5, { spansPerRequest: 10_000 });
      expect(list).toHaveLength(1);
      const result = await sendOtlpHttp({ url: server.url, source: list, timer });
      expect(server.attempts()).toBe(3);
      expect(timer.slept).toEqual([2000, 2000]);
      expect(result).toMatchObject({
        requests: 1,
        requestsAccepted: 1,
        retries: 2,
        spansAccepted: requestSpanCount(list[0]!),
        spansFailed: 0,
      });
      expect(result.statuses).toEqual({ '503': 2, '200': 1 });
    } finally {
      await server.close();
    }
  });

  test('retries are bounded: a receiver answering 429 forever fails the request after maxRetries', async () => {
    const server = await startServer(() => ({ status: 429 }));
    const timer = fakeTimer();
    try {
      const list = requests(3, { spansPerRequest: 10_000 });
      const result = await sendOtlpHttp({ url: server.url, source: list, timer, maxRetries: 3, retryBackoffMs: 50 });
      expect(server.attempts()).toBe(4);
      expect(timer.slept).toEqual([50, 100, 200]); // exponential backoff without Retry-After
      expect(result).toMatchObject({
        requests: 1,
        requestsFailed: 1,
        spansFailed: requestSpanCount(list[0]!),
        spansAccepted: 0,
        retries: 3,
      });
      expect(result.lastError).toMatch(/HTTP 429 .*gave up after 4 attempt/);
    } finally {
      await server.close();
    }
  });

  test('Retry-After is capped by maxRetryDelayMs', async () => {
    const server = await startServer((_req, attempt) =>
      attempt === 0 ? { status: 503, headers: { 'retry-after': '3600' } } : ok(_req, attempt),
    );
    const timer = fakeTimer();
    try {
      await sendOtlpHttp({ url: server.url, source: requests(2, { spansPerRequest: 10_000 }), timer, maxRetryDelayMs: 1500 });
      expect(timer.slept).toEqual([1500]);
    } finally {
      await server.close();
    }
  });

  test('400 is not retried and counts the spans as rejected', async () => {
    const server = await startServer(() => ({ status: 400, body: 'bad body' }));
    try {
      const list = requests(3, { spansPerRequest: 10_000 });
      const result = await sendOtlpHttp({ url: server.url, source: list });
      expect(server.attempts()).toBe(1);
      expect(result).toMatchObject({ requestsRejected: 1, spansRejected: requestSpanCount(list[0]!), retries: 0 });
      expect(result.lastError).toBe('HTTP 400: bad body');
    } finally {
      await server.close();
    }
  });

  test.each([
    ['protobuf', 'application/x-protobuf', encodeExportTraceServiceResponse({ rejectedSpans: 3, errorMessage: 'bad spans' })],
    ['json', 'application/json', Buffer.from(exportTraceServiceResponseJson({ rejectedSpans: 3, errorMessage: 'bad spans' }))],
  ])('partial_success in a %s response counts rejected spans', async (_name, contentType, body) => {
    const server = await startServer(() => ({ status: 200, headers: { 'content-type': contentType }, body }));
    try {
      const list = requests(20);
      const result = await sendOtlpHttp({ url: server.url, source: list });
      const spans = spanIdsOf(list).length;
      expect(result.spansRejected).toBe(3 * list.length);
      expect(result.spansAccepted).toBe(spans - 3 * list.length);
      expect(result.lastError).toBe('partial success: 3 span(s) rejected: bad spans');
    } finally {
      await server.close();
    }
  });

  test('a refused connection is retried, then counted as failed', async () => {
    const server = await startServer(ok);
    await server.close(); // nothing listens on the port any more
    const timer = fakeTimer();
    const result = await sendOtlpHttp({ url: server.url, source: requests(2, { spansPerRequest: 10_000 }), timer, maxRetries: 2 });
    expect(result.requestsFailed).toBe(1);
    expect(result.statuses).toEqual({ error: 3 });
    expect(result.lastError).toMatch(/network error: .*ECONNREFUSED/);
  });

  test('maxSpans stops a never-ending generator, and held-back late spans are still sent', async () => {
    const server = await startServer(ok);
    try {
      const generator = new TrafficGenerator({ seed: 22, lateRate: 0.1, lateAfterRequests: 3, spansPerRequest: 200 });
      const result = await sendOtlpHttp({ url: server.url, source: generator, maxSpans: 2000, concurrency: 2 });
      expect(generator.done).toBe(true);
      const truth = generator.truth();
      expect(result.spansAccepted).toBe(truth.totals.spans);
      expect(server.received.flatMap((r) => r.spanIds).sort()).toEqual(truth.traces!.flatMap((t) => t.spanIds).sort());
      // Generation stopped just past the limit (the late spans flushed afterwards are of traces already started).
      expect(truth.totals.spans).toBeGreaterThanOrEqual(2000);
      expect(truth.totals.spans).toBeLessThan(2000 + 2 * 2000);
    } finally {
      await server.close();
    }
  });

  test('an abort signal stops an endless generator cleanly: started traces are still completed', async () => {
    const server = await startServer(ok);
    try {
      const controller = new AbortController();
      const generator = new TrafficGenerator({ seed: 25, lateRate: 0.1, lateDelayMs: 60_000, spansPerRequest: 200 });
      const result = await sendOtlpHttp({
        url: server.url,
        source: generator,
        concurrency: 1,
        signal: controller.signal,
        onProgress: () => controller.abort(),
      });
      expect(generator.done).toBe(true);
      expect(result.spansAccepted).toBe(generator.truth().totals.spans);
      expect(server.received.flatMap((r) => r.spanIds).sort()).toEqual(
        generator
          .truth()
          .traces!.flatMap((t) => t.spanIds)
          .sort(),
      );
    } finally {
      await server.close();
    }
  });

  test('maxRequests limits new requests', async () => {
    const server = await startServer(ok);
    try {
      const generator = new TrafficGenerator({ seed: 23, lateRate: 0, splitRate: 0 });
      const result = await sendOtlpHttp({ url: server.url, source: generator, maxRequests: 4 });
      expect(result.requests).toBe(4);
      expect(server.received).toHaveLength(4);
    } finally {
      await server.close();
    }
  });

  test('requests with sendAfterMs are held back while later requests go ahead', async () => {
    const server = await startServer(ok);
    const timer = fakeTimer();
    try {
      const list = [
        ...new TrafficGenerator({ seed: 24, traces: 300, lateRate: 0.05, lateDelayMs: 5000, splitRate: 0, spansPerRequest: 200 }),
      ];
      const delayed = list.filter((r) => r.sendAfterMs !== undefined);
      expect(delayed.length).toBeGreaterThan(1);
      await sendOtlpHttp({ url: server.url, source: list, timer, concurrency: 1 });
      // With a clock that only moves when sleeping, the delayed requests go last, after one wait.
      const key = (ids: string[]): string => [...ids].sort().join();
      const order = server.received.map((r) => key(r.spanIds));
      const delayedKeys = delayed.map((r) => key(spanIdsOf([r])));
      expect(order.slice(-delayed.length).sort()).toEqual([...delayedKeys].sort());
      expect(timer.slept).toEqual([5000]);
    } finally {
      await server.close();
    }
  });

  test('ratePerSec spaces requests by their span counts', async () => {
    const server = await startServer(ok);
    const timer = fakeTimer();
    try {
      const list = requests(100);
      const spans = spanIdsOf(list).length;
      await sendOtlpHttp({ url: server.url, source: list, timer, ratePerSec: 1000, concurrency: 1 });
      const waited = timer.slept.reduce((a, b) => a + b, 0);
      const last = requestSpanCount(list[list.length - 1]!);
      // All but the last request's spans must have been paid for, minus the 100 ms burst allowance.
      expect(waited).toBeCloseTo(((spans - last) / 1000) * 1000 - 100, 6);
    } finally {
      await server.close();
    }
  });

  test('onProgress sees growing counters', async () => {
    const server = await startServer(ok);
    try {
      const seen: number[] = [];
      await sendOtlpHttp({ url: server.url, source: requests(30), concurrency: 1, onProgress: (p) => seen.push(p.spansAccepted) });
      expect(seen.length).toBeGreaterThan(2);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    } finally {
      await server.close();
    }
  });
});

describe('retryAfterMs', () => {
  test.each<[string | undefined, number | undefined]>([
    ['3', 3000],
    [' 0 ', 0],
    ['1.5', 1500],
    ['Wed, 21 Oct 2015 07:28:10 GMT', 10_000],
    ['soon', undefined],
    [undefined, undefined],
  ])('%p → %p', (header, expected) => {
    expect(retryAfterMs(header, Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(expected);
  });
});

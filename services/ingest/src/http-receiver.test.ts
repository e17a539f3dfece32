import { gzipSync } from 'node:zlib';
import { encodeExportTraceServiceRequest } from '@tailstream/otlp';
import { createLogger, createRegistry } from '@tailstream/telemetry';
import { HttpReceiver, type HttpReceiverOptions } from './http-receiver';
import { createIngestMetrics } from './metrics';
import { createTraceDecoder } from './otlp-decoder';
import { loadIngestConfig } from './config';
import { RecordingWriter } from './test-support/recording-writer';
import { makeBatches } from '@tailstream/test-harness';

const base: HttpReceiverOptions = {
  host: '127.0.0.1',
  port: 0,
  maxBodyBytes: 64 * 1024,
  maxDecompressedBytes: 256 * 1024,
  maxInFlightBytes: 1 << 20,
  bearerToken: '',
  retryAfterSeconds: 3,
};

async function withReceiver(
  options: Partial<HttpReceiverOptions>,
  fn: (url: string, writer: RecordingWriter, receiver: HttpReceiver) => Promise<void>,
): Promise<void> {
  const writer = new RecordingWriter();
  const config = loadIngestConfig({ env: {} });
  const receiver = new HttpReceiver(
    { ...base, ...options },
    createTraceDecoder(config),
    writer.asWriter(),
    createIngestMetrics(createRegistry('test')),
    createLogger({ name: 'test', level: 'silent' }),
  );
  const port = await receiver.start();
  try {
    await fn(`http://127.0.0.1:${port}/v1/traces`, writer, receiver);
  } finally {
    await receiver.stopAccepting();
    await receiver.drain();
  }
}

const protobuf = { 'content-type': 'application/x-protobuf' };
const body = (): Buffer => encodeExportTraceServiceRequest(makeBatches(2, 3));

describe('OTLP/HTTP receiver response codes', () => {
  it('200 for a valid protobuf request, with the spans handed to the writer', () =>
    withReceiver({}, async (url, writer) => {
      const res = await fetch(url, { method: 'POST', body: body(), headers: protobuf });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/x-protobuf');
      expect(writer.written.flatMap((b) => b.spans)).toHaveLength(6);
    }));

  it('400 with a google.rpc.Status body for an undecodable body', () =>
    withReceiver({}, async (url) => {
      const res = await fetch(url, { method: 'POST', body: Buffer.from('{not json'), headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 3, message: expect.stringContaining('undecodable OTLP json body') });
    }));

  it('400 for a corrupt gzip body', () =>
    withReceiver({}, async (url) => {
      const res = await fetch(url, { method: 'POST', body: Buffer.from('nope'), headers: { ...protobuf, 'content-encoding': 'gzip' } });
      expect(res.status).toBe(400);
    }));

  it('401 without the configured bearer token, 200 with it', () =>
    withReceiver({ bearerToken: 's3cret' }, async (url) => {
      expect((await fetch(url, { method: 'POST', body: body(), headers: protobuf })).status).toBe(401);
      expect((await fetch(url, { method: 'POST', body: body(), headers: { ...protobuf, authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await fetch(url, { method: 'POST', body: body(), headers: { ...protobuf, authorization: 'Bearer s3cret' } })).status).toBe(200);
    }));

  it('404 for another path and 405 for another method', () =>
    withReceiver({}, async (url) => {
      expect((await fetch(url.replace('/v1/traces', '/v1/logs'), { method: 'POST', body: body(), headers: protobuf })).status).toBe(404);
      const res = await fetch(url, { method: 'GET' });
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('POST');
    }));

  it('413 above the body limit, and above the decompressed limit (gzip bomb)', () =>
    withReceiver({ maxBodyBytes: 2000, maxDecompressedBytes: 4096 }, async (url) => {
      const big = Buffer.alloc(4000, 1);
      expect((await fetch(url, { method: 'POST', body: big, headers: protobuf })).status).toBe(413);
      const bomb = gzipSync(Buffer.alloc(1 << 20, 0));
      expect(bomb.length).toBeLessThan(2000);
      const res = await fetch(url, { method: 'POST', body: bomb, headers: { ...protobuf, 'content-encoding': 'gzip' } });
      expect(res.status).toBe(413);
      expect(Buffer.from(await res.arrayBuffer()).toString('latin1')).toContain('decompressed');
    }));

  it('415 for an unknown content type or content encoding', () =>
    withReceiver({}, async (url) => {
      expect((await fetch(url, { method: 'POST', body: body(), headers: { 'content-type': 'text/plain' } })).status).toBe(415);
      expect((await fetch(url, { method: 'POST', body: body(), headers: { ...protobuf, 'content-encoding': 'br' } })).status).toBe(415);
    }));

  it('429 with Retry-After when too much is in flight to Kafka', () =>
    withReceiver({ maxInFlightBytes: 100 }, async (url, writer) => {
      writer.pendingBytes = 1000;
      const res = await fetch(url, { method: 'POST', body: body(), headers: protobuf });
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(writer.written).toHaveLength(0);
    }));

  it('503 with Retry-After when Kafka does not acknowledge, and for a while after', () =>
    withReceiver({}, async (url, writer) => {
      writer.fail = true;
      const first = await fetch(url, { method: 'POST', body: body(), headers: protobuf });
      expect(first.status).toBe(503);
      expect(first.headers.get('retry-after')).toBe('3');
      writer.fail = false;
      expect((await fetch(url, { method: 'POST', body: body(), headers: protobuf })).status).toBe(503);
      expect(writer.written).toHaveLength(0);
    }));
});

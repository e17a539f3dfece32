import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '@tailstream/telemetry';
import { BadBodyError, bodyLength, BodyTooLargeError, gunzipLimited, readBody, type BodyChunks } from './body-reader';
import type { TraceDecoder } from './decode';
import { ExportPipeline } from './export-pipeline';
import type { IngestMetrics, Transport } from './metrics';
import { exportResponse, GRPC, statusBody } from './otlp-response';
import type { SpanBatchWriter } from './span-writer';

export interface HttpReceiverOptions {
  host: string;
  port: number;
  maxBodyBytes: number;
  maxDecompressedBytes: number;
  maxInFlightBytes: number;
  bearerToken: string;
  retryAfterSeconds: number;
}

type Encoding = 'protobuf' | 'json';

interface Reply {
  status: number;
  body: Buffer;
  headers?: Record<string, string>;
}

/**
 * OTLP/HTTP trace receiver (`POST /v1/traces`). A request is answered 200 only after Kafka
 * acknowledged every batch made from it; invalid spans are reported in `partial_success`.
 * Codes: 400 undecodable, 401 bad token, 413 too large (also after decompression), 415 unknown
 * content type or encoding, 429 too much in flight, 503 Kafka unavailable (both with Retry-After).
 */
export class HttpReceiver {
  private server: Server | undefined;
  private readonly active = new Set<Promise<void>>();

  constructor(
    private readonly options: HttpReceiverOptions,
    decode: TraceDecoder,
    writer: SpanBatchWriter,
    private readonly metrics: IngestMetrics,
    private readonly logger: Logger,
    /** Admission, decode and Kafka write; pass the worker's to share them with the gRPC receiver. */
    private readonly pipeline = new ExportPipeline(options, decode, writer, metrics, logger),
  ) {}

  async start(): Promise<number> {
    const server = createServer((req, res) => {
      const work = this.handle(req, res).catch((error: Error) => {
        this.logger.error({ err: error }, 'unexpected error while handling a request');
        if (!res.headersSent) this.send(res, { status: 500, body: statusBody('json', GRPC.INTERNAL, 'internal error') });
      });
      this.active.add(work);
      void work.finally(() => this.active.delete(work));
    });
    server.keepAliveTimeout = 65_000;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  /** Stops accepting requests (503 from now on, also on the pipeline's other receivers) and closes the listener. */
  async stopAccepting(): Promise<void> {
    this.pipeline.stopAccepting();
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits for requests in progress (their Kafka acknowledgements) to finish. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.active]);
    this.server?.closeAllConnections();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = (req.url ?? '/').split('?')[0];
    if (url !== '/v1/traces') return this.send(res, { status: 404, body: statusBody('json', GRPC.UNIMPLEMENTED, `no route ${url}`) });
    const encoding = contentEncodingOf(req.headers['content-type']);
    const replyEncoding: Encoding = encoding ?? 'json';
    if (req.method !== 'POST') {
      return this.send(res, { status: 405, body: statusBody(replyEncoding, GRPC.UNIMPLEMENTED, 'use POST'), headers: { allow: 'POST' } });
    }
    const transport: Transport = encoding === 'protobuf' ? 'http_protobuf' : 'http_json';
    const endTimer = this.metrics.requestLatency.startTimer({ transport });
    const reply = await this.process(req, encoding, transport);
    endTimer();
    this.metrics.requests.inc({ transport, code: String(reply.status) });
    this.send(res, reply);
  }

  private async process(req: IncomingMessage, encoding: Encoding | undefined, transport: Transport): Promise<Reply> {
    const enc: Encoding = encoding ?? 'json';
    const fail = (status: number, grpc: number, message: string, headers?: Record<string, string>): Reply => {
      req.resume();
      return { status, body: statusBody(enc, grpc, message), headers };
    };
    if (this.options.bearerToken && req.headers.authorization !== `Bearer ${this.options.bearerToken}`) {
      return fail(401, GRPC.UNAUTHENTICATED, 'missing or wrong bearer token');
    }
    if (!encoding) {
      return fail(415, GRPC.INVALID_ARGUMENT, `unsupported content type ${req.headers['content-type'] ?? '(none)'}; use application/x-protobuf or application/json`);
    }
    const contentEncoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
    if (contentEncoding !== 'gzip' && contentEncoding !== 'identity') {
      return fail(415, GRPC.INVALID_ARGUMENT, `unsupported content encoding ${contentEncoding}; use gzip or identity`);
    }
    const retry = { 'retry-after': String(this.options.retryAfterSeconds) };
    const refusal = this.pipeline.admit();
    if (refusal?.reason === 'in_flight_full') return fail(429, GRPC.RESOURCE_EXHAUSTED, refusal.message, retry);
    if (refusal) return fail(503, GRPC.UNAVAILABLE, refusal.message, retry);

    let body: Buffer | BodyChunks;
    try {
      const chunks = await readBody(req, this.options.maxBodyBytes);
      const received = bodyLength(chunks);
      this.metrics.bytesIn.inc({ transport }, received);
      if (contentEncoding === 'gzip') body = await gunzipLimited(chunks, this.options.maxDecompressedBytes);
      else if (received > this.options.maxDecompressedBytes) throw new BodyTooLargeError(this.options.maxDecompressedBytes, 'decompressed');
      else body = chunks;
    } catch (error) {
      if (error instanceof BodyTooLargeError) return fail(413, GRPC.INVALID_ARGUMENT, error.message);
      if (error instanceof BadBodyError) return fail(400, GRPC.INVALID_ARGUMENT, error.message);
      throw error;
    }

    const result = await this.pipeline.export(body, encoding, transport);
    switch (result.kind) {
      case 'undecodable':
        return fail(400, GRPC.INVALID_ARGUMENT, result.message);
      case 'kafka_unavailable':
        return { status: 503, body: statusBody(enc, GRPC.UNAVAILABLE, result.message), headers: retry };
      case 'ok':
        return { status: 200, body: exportResponse(enc, result.rejectedSpans, result.message) };
    }
  }

  private send(res: ServerResponse, reply: Reply): void {
    const type = res.req?.headers['content-type']?.toLowerCase().includes('protobuf') ? 'application/x-protobuf' : 'application/json';
    res.writeHead(reply.status, { 'content-type': type, 'content-length': String(reply.body.length), ...reply.headers });
    res.end(reply.body);
  }
}

function contentEncodingOf(contentType: string | undefined): Encoding | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/x-protobuf' || type === 'application/protobuf') return 'protobuf';
  if (type === 'application/json') return 'json';
  return undefined;
}

import { connect } from 'node:http2';
import { gzipSync } from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { Reader } from 'protobufjs';
import { encodeExportTraceServiceRequest } from '@tailstream/otlp';
import { createLogger, createRegistry } from '@tailstream/telemetry';
import { makeBatches } from '@tailstream/test-harness';
import { loadIngestConfig } from './config';
import { ExportPipeline } from './export-pipeline';
import { GrpcReceiver, traceServiceDefinition, type ExportReply, type GrpcReceiverOptions } from './grpc-receiver';
import { createIngestMetrics, type IngestMetrics } from './metrics';
import { createTraceDecoder } from './otlp-decoder';
import { RecordingWriter } from './test-support/recording-writer';

const base: GrpcReceiverOptions = { host: '127.0.0.1', port: 0, maxMessageBytes: 256 * 1024, bearerToken: '', retryAfterSeconds: 3 };

const TraceServiceClient = grpc.makeGenericClientConstructor(traceServiceDefinition, 'TraceService');

interface Ctx {
  export: (body: Buffer, metadata?: Record<string, string>) => Promise<ExportReply>;
  writer: RecordingWriter;
  pipeline: ExportPipeline;
  receiver: GrpcReceiver;
  metrics: IngestMetrics;
  registry: ReturnType<typeof createRegistry>;
  port: number;
}

async function withReceiver(
  options: Partial<GrpcReceiverOptions & { maxInFlightBytes: number }>,
  fn: (ctx: Ctx) => Promise<void>,
  clientOptions: grpc.ClientOptions = {},
): Promise<void> {
  const writer = new RecordingWriter();
  const config = loadIngestConfig({ env: {} });
  const registry = createRegistry('test');
  const metrics = createIngestMetrics(registry);
  const logger = createLogger({ name: 'test', level: 'silent' });
  const pipeline = new ExportPipeline(
    { maxInFlightBytes: options.maxInFlightBytes ?? 1 << 20, retryAfterSeconds: options.retryAfterSeconds ?? base.retryAfterSeconds },
    createTraceDecoder(config),
    writer.asWriter(),
    metrics,
    logger,
  );
  const receiver = new GrpcReceiver({ ...base, ...options }, pipeline, metrics, logger);
  const port = await receiver.start();
  const client = new TraceServiceClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), clientOptions);
  const exportCall = (body: Buffer, metadata: Record<string, string> = {}): Promise<ExportReply> =>
    new Promise((resolve, reject) => {
      const md = new grpc.Metadata();
      for (const [k, v] of Object.entries(metadata)) md.set(k, v);
      client.makeUnaryRequest<Buffer, ExportReply>(
        traceServiceDefinition.Export.path,
        traceServiceDefinition.Export.requestSerialize,
        traceServiceDefinition.Export.responseDeserialize,
        body,
        md,
        { deadline: Date.now() + 10_000 },
        (error, reply) => (error ? reject(error) : resolve(reply!)),
      );
    });
  try {
    await fn({ export: exportCall, writer, pipeline, receiver, metrics, registry, port });
  } finally {
    client.close();
    receiver.stopAccepting();
    await receiver.drain();
  }
}

const body = (): Buffer => encodeExportTraceServiceRequest(makeBatches(2, 3));

/** The ServiceError a call fails with. */
async function failure(call: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await call;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('the call succeeded');
}

/** Reads google.rpc.Status { details[0] = Any(RetryInfo { retry_delay { seconds } }) } from `grpc-status-details-bin`. */
function retryDelaySeconds(error: grpc.ServiceError): { typeUrl: string; seconds: number } {
  const [bin] = error.metadata.get('grpc-status-details-bin') as Buffer[];
  const fields = (bytes: Uint8Array): Map<number, Uint8Array | number> => {
    const out = new Map<number, Uint8Array | number>();
    const r = Reader.create(bytes);
    while (r.pos < r.len) {
      const tag = r.uint32();
      if ((tag & 7) === 2) out.set(tag >>> 3, r.bytes());
      else out.set(tag >>> 3, Number(r.int64().toString()));
    }
    return out;
  };
  const any = fields(fields(bin!).get(3) as Uint8Array);
  const retryInfo = fields(any.get(2) as Uint8Array);
  const duration = fields(retryInfo.get(1) as Uint8Array);
  return { typeUrl: Buffer.from(any.get(1) as Uint8Array).toString(), seconds: duration.get(1) as number };
}

describe('OTLP/gRPC receiver status codes', () => {
  it('OK with an empty ExportTraceServiceResponse, the spans handed to the writer, and metrics labelled grpc', () =>
    withReceiver({}, async ({ export: call, writer, registry }) => {
      expect(await call(body())).toEqual({ rejectedSpans: 0, errorMessage: '' });
      expect(writer.written.flatMap((b) => b.spans)).toHaveLength(6);
      const metrics = await registry.metrics();
      expect(metrics).toMatch(/tailstream_ingest_requests_total\{transport="grpc",code="OK",service="test"\} 1/);
      expect(metrics).toMatch(/tailstream_ingest_spans_accepted_total\{transport="grpc",service="test"\} 6/);
    }));

  it('OK with partial_success (rejected spans and message) when some spans are invalid', () =>
    withReceiver({}, async ({ export: call, writer, registry }) => {
      const batches = makeBatches(2, 3, 5);
      batches[0]!.spans[1]!.name = '';
      batches[1]!.spans[2]!.endTimeUnixNano = batches[1]!.spans[2]!.startTimeUnixNano - 1n;
      const reply = await call(encodeExportTraceServiceRequest(batches));
      expect(reply.rejectedSpans).toBe(2);
      expect(reply.errorMessage).not.toBe('');
      expect(writer.written.flatMap((b) => b.spans)).toHaveLength(4);
      expect(await registry.metrics()).toMatch(
        /tailstream_ingest_spans_rejected_total\{transport="grpc",reason="missing_name",service="test"\} 1/,
      );
    }));

  it('INVALID_ARGUMENT for bytes that are not an ExportTraceServiceRequest', () =>
    withReceiver({}, async ({ export: call, writer }) => {
      const error = await failure(call(Buffer.from([0xff, 0x01, 0x02, 0x03])));
      expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(error.details).toContain('undecodable OTLP protobuf body');
      expect(writer.written).toHaveLength(0);
    }));

  it('UNAUTHENTICATED without or with a wrong bearer token, OK with it', () =>
    withReceiver({ bearerToken: 's3cret' }, async ({ export: call, registry }) => {
      expect((await failure(call(body()))).code).toBe(grpc.status.UNAUTHENTICATED);
      expect((await failure(call(body(), { authorization: 'Bearer wrong' }))).code).toBe(grpc.status.UNAUTHENTICATED);
      expect(await call(body(), { authorization: 'Bearer s3cret' })).toEqual({ rejectedSpans: 0, errorMessage: '' });
      expect(await registry.metrics()).toMatch(
        /tailstream_ingest_requests_total\{transport="grpc",code="UNAUTHENTICATED",service="test"\} 2/,
      );
    }));

  it('RESOURCE_EXHAUSTED with RetryInfo when too much is in flight to Kafka', () =>
    withReceiver({ maxInFlightBytes: 100 }, async ({ export: call, writer }) => {
      writer.pendingBytes = 1000;
      const error = await failure(call(body()));
      expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(error.metadata.get('grpc-retry-pushback-ms')).toEqual(['3000']);
      expect(retryDelaySeconds(error)).toEqual({ typeUrl: 'type.googleapis.com/google.rpc.RetryInfo', seconds: 3 });
      expect(writer.written).toHaveLength(0);
    }));

  it('RESOURCE_EXHAUSTED from grpc-js for a message above the size limit', () =>
    withReceiver({ maxMessageBytes: 1000 }, async ({ export: call, writer }) => {
      const error = await failure(call(encodeExportTraceServiceRequest(makeBatches(20, 5))));
      expect(error.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(writer.written).toHaveLength(0);
    }));

  it('UNAVAILABLE with RetryInfo when Kafka does not acknowledge, and for a while after', () =>
    withReceiver({}, async ({ export: call, writer }) => {
      writer.fail = true;
      const first = await failure(call(body()));
      expect(first.code).toBe(grpc.status.UNAVAILABLE);
      expect(first.details).toBe('Kafka is unavailable');
      expect(retryDelaySeconds(first).seconds).toBe(3);
      writer.fail = false;
      expect((await failure(call(body()))).code).toBe(grpc.status.UNAVAILABLE);
      expect(writer.written).toHaveLength(0);
    }));

  it('UNAVAILABLE while shutting down: from the shared pipeline (e.g. HTTP stopped first), then from the closed listener', () =>
    withReceiver({}, async ({ export: call, pipeline, receiver, writer }) => {
      expect(await call(body())).toEqual({ rejectedSpans: 0, errorMessage: '' });
      expect(receiver.isReady).toBe(true);
      pipeline.stopAccepting();
      expect(receiver.isReady).toBe(false);
      const error = await failure(call(body()));
      expect(error.code).toBe(grpc.status.UNAVAILABLE);
      expect(error.details).toBe('shutting down');
      receiver.stopAccepting();
      await receiver.drain();
      expect((await failure(call(body()))).code).toBe(grpc.status.UNAVAILABLE);
      expect(writer.written.flatMap((b) => b.spans)).toHaveLength(6);
    }));

  it('drains a call waiting for Kafka before shutting down, and answers it OK', () =>
    withReceiver({}, async ({ export: call, receiver, writer }) => {
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const write = writer.write.bind(writer);
      writer.write = async (messages) => {
        await gate;
        return write(messages);
      };
      const pending = call(body());
      await new Promise((r) => setTimeout(r, 200));
      receiver.stopAccepting();
      let drained = false;
      const draining = receiver.drain().then(() => (drained = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(drained).toBe(false);
      release();
      expect(await pending).toEqual({ rejectedSpans: 0, errorMessage: '' });
      await draining;
      expect(writer.written.flatMap((b) => b.spans)).toHaveLength(6);
    }));

  it('accepts a gzip-compressed request (grpc-encoding: gzip)', () =>
    withReceiver(
      {},
      async ({ export: call, writer, registry }) => {
        const batches = makeBatches(3, 4, 9);
        expect(await call(encodeExportTraceServiceRequest(batches))).toEqual({ rejectedSpans: 0, errorMessage: '' });
        expect(writer.written.flatMap((b) => b.spans)).toEqual(batches.flatMap((b) => b.spans));
        expect(await registry.metrics()).toMatch(/tailstream_ingest_requests_total\{transport="grpc",code="OK",service="test"\} 1/);
      },
      { 'grpc.default_compression_algorithm': 2 },
    ));

  it('accepts a gzip-compressed message sent on the wire by hand (compressed flag + grpc-encoding: gzip)', () =>
    withReceiver({}, async ({ port, writer }) => {
      const message = gzipSync(encodeExportTraceServiceRequest(makeBatches(2, 2, 13)));
      const frame = Buffer.alloc(5 + message.length);
      frame.writeUInt8(1, 0); // compressed
      frame.writeUInt32BE(message.length, 1);
      message.copy(frame, 5);
      const session = connect(`http://127.0.0.1:${port}`);
      try {
        const trailers = await new Promise<Record<string, unknown>>((resolve, reject) => {
          const stream = session.request({
            ':method': 'POST',
            ':path': traceServiceDefinition.Export.path,
            'content-type': 'application/grpc',
            te: 'trailers',
            'grpc-encoding': 'gzip',
          });
          let headers: Record<string, unknown> = {};
          stream.on('response', (h) => (headers = h));
          stream.on('trailers', (t) => resolve({ ...headers, ...t }));
          stream.on('error', reject);
          stream.resume();
          stream.end(frame);
        });
        expect(trailers['grpc-status']).toBe('0');
      } finally {
        session.close();
      }
      expect(writer.written.flatMap((b) => b.spans)).toHaveLength(4);
    }));
});

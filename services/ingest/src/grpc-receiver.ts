import * as grpc from '@grpc/grpc-js';
import type { Logger } from '@tailstream/telemetry';
import type { ExportPipeline } from './export-pipeline';
import type { IngestMetrics } from './metrics';
import { decodeExportResponse, exportResponse, retryInfoStatus } from './otlp-response';

export interface GrpcReceiverOptions {
  host: string;
  /** 0 = any free port. */
  port: number;
  /** Largest request message, after decompression (grpc-js answers RESOURCE_EXHAUSTED above it). */
  maxMessageBytes: number;
  /** If set, calls must send the metadata `authorization: Bearer <token>`. */
  bearerToken: string;
  /** Retry delay sent with RESOURCE_EXHAUSTED and UNAVAILABLE. */
  retryAfterSeconds: number;
}

/** What a successful Export answers: the OTLP partial_success (both zero/empty when every span was accepted). */
export interface ExportReply {
  rejectedSpans: number;
  errorMessage: string;
}

export const TRACE_SERVICE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/**
 * `opentelemetry.proto.collector.trace.v1.TraceService`, by hand (no proto-loader): the request
 * stays the raw ExportTraceServiceRequest bytes, which ingest's one-pass decoder reads as it reads
 * OTLP/HTTP protobuf bodies; the response is written by `exportResponse`.
 */
export const traceServiceDefinition = {
  Export: {
    path: TRACE_SERVICE_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: (request: Buffer): Buffer => request,
    requestDeserialize: (bytes: Buffer): Buffer => bytes,
    responseSerialize: (reply: ExportReply): Buffer => exportResponse('protobuf', reply.rejectedSpans, reply.errorMessage),
    responseDeserialize: (bytes: Buffer): ExportReply => decodeExportResponse(bytes),
    originalName: 'export',
  },
} satisfies grpc.ServiceDefinition;

const TRANSPORT = 'grpc' as const;
/** How long `drain` waits for clients to close their connections before cutting them. */
const CLOSE_GRACE_MS = 5000;

/** A status ingest answers with (trailers in `metadata`). */
interface Status {
  code: grpc.status;
  details: string;
  metadata?: grpc.Metadata;
}

/**
 * OTLP/gRPC trace receiver (`TraceService/Export`, unary). Shares its `ExportPipeline` (admission,
 * decode, Kafka write) with the OTLP/HTTP receiver. A call is answered OK only after Kafka
 * acknowledged every batch made from it; invalid spans are reported in `partial_success`.
 * Codes: INVALID_ARGUMENT undecodable, UNAUTHENTICATED bad token, RESOURCE_EXHAUSTED too much in
 * flight (and, from grpc-js itself, a message above `maxMessageBytes`), UNAVAILABLE Kafka failing
 * or shutting down. RESOURCE_EXHAUSTED and UNAVAILABLE from ingest carry a google.rpc.RetryInfo
 * detail and a `grpc-retry-pushback-ms` trailer. The bearer token and admission are checked on
 * the call's metadata, before its message is read.
 */
export class GrpcReceiver {
  private server: grpc.Server | undefined;
  private listening = false;
  private closed: Promise<void> | undefined;
  private readonly active = new Set<Promise<void>>();

  constructor(
    private readonly options: GrpcReceiverOptions,
    private readonly pipeline: ExportPipeline,
    private readonly metrics: IngestMetrics,
    private readonly logger: Logger,
  ) {}

  /** True while the listener is up and the pipeline accepts requests (for `/readyz`). */
  get isReady(): boolean {
    return this.listening && this.pipeline.isAccepting;
  }

  async start(): Promise<number> {
    const server = new grpc.Server({
      'grpc.max_receive_message_length': this.options.maxMessageBytes,
      interceptors: [this.intercept],
    });
    server.addService(traceServiceDefinition, { Export: this.handleExport });
    this.server = server;
    const host = this.options.host.includes(':') ? `[${this.options.host}]` : this.options.host;
    const port = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${host}:${this.options.port}`, grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
    this.listening = true;
    return port;
  }

  /**
   * Stops accepting calls (UNAVAILABLE from now on, also on the pipeline's other receivers) and
   * starts a graceful server shutdown: the listener closes, clients are told to go away, calls in
   * progress go on.
   */
  stopAccepting(): void {
    this.pipeline.stopAccepting();
    const server = this.server;
    if (!server || this.closed) return;
    this.listening = false;
    this.closed = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }

  /** Waits for calls in progress (their Kafka acknowledgements), then for the connections to close (cut after a grace period). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.active]);
    if (!this.server) return;
    if (!this.closed) this.stopAccepting();
    let timer: NodeJS.Timeout | undefined;
    const cut = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.server?.forceShutdown();
        resolve();
      }, CLOSE_GRACE_MS);
    });
    await Promise.race([this.closed, cut]);
    clearTimeout(timer);
  }

  /** Counts every call ingest answers, and refuses calls on their metadata (token, admission) before their message is read. */
  private readonly intercept: grpc.ServerInterceptor = (_method, call) => {
    const endTimer = this.metrics.requestLatency.startTimer({ transport: TRANSPORT });
    let answered = false;
    const listener = new grpc.ServerListenerBuilder()
      .withOnReceiveMetadata((metadata, next) => {
        const refusal = this.refuse(metadata);
        if (refusal) intercepting.sendStatus(refusal);
        else next(metadata);
      })
      .withOnCancel(() => {
        // Ended without an answer from ingest: cancelled by the client, deadline, or refused by
        // grpc-js itself (message above the size limit, undecompressable message).
        if (!answered) this.metrics.requests.inc({ transport: TRANSPORT, code: 'CANCELLED' });
        answered = true;
      })
      .build();
    const responder = new grpc.ResponderBuilder()
      .withStart((next) => next(listener))
      .withSendStatus((status, next) => {
        if (!answered) {
          answered = true;
          endTimer();
          this.metrics.requests.inc({ transport: TRANSPORT, code: grpc.status[status.code] ?? String(status.code) });
        }
        next(status);
      })
      .build();
    const intercepting = new grpc.ServerInterceptingCall(call, responder);
    return intercepting;
  };

  private refuse(metadata: grpc.Metadata): Status | undefined {
    const token = this.options.bearerToken;
    if (token && metadata.get('authorization')[0] !== `Bearer ${token}`) {
      return { code: grpc.status.UNAUTHENTICATED, details: 'missing or wrong bearer token' };
    }
    const refusal = this.pipeline.admit();
    if (!refusal) return undefined;
    return this.retryable(refusal.reason === 'in_flight_full' ? grpc.status.RESOURCE_EXHAUSTED : grpc.status.UNAVAILABLE, refusal.message);
  }

  private retryable(code: grpc.status, details: string): Status {
    const metadata = new grpc.Metadata();
    metadata.set('grpc-retry-pushback-ms', String(this.options.retryAfterSeconds * 1000));
    metadata.set('grpc-status-details-bin', retryInfoStatus(code, details, this.options.retryAfterSeconds));
    return { code, details, metadata };
  }

  private readonly handleExport: grpc.handleUnaryCall<Buffer, ExportReply> = (call, callback) => {
    const work = this.export(call.request).then(
      (result) => ('reply' in result ? callback(null, result.reply) : callback(result.status)),
      (error: unknown) => {
        this.logger.error({ err: error }, 'unexpected error while handling an export call');
        callback({ code: grpc.status.INTERNAL, details: 'internal error' });
      },
    );
    this.active.add(work);
    void work.finally(() => this.active.delete(work));
  };

  private async export(body: Buffer): Promise<{ reply: ExportReply } | { status: Status }> {
    this.metrics.bytesIn.inc({ transport: TRANSPORT }, body.length);
    const result = await this.pipeline.export(body, 'protobuf', TRANSPORT);
    switch (result.kind) {
      case 'undecodable':
        return { status: { code: grpc.status.INVALID_ARGUMENT, details: result.message } };
      case 'kafka_unavailable':
        return { status: this.retryable(grpc.status.UNAVAILABLE, result.message) };
      case 'ok':
        return { reply: { rejectedSpans: result.rejectedSpans, errorMessage: result.message } };
    }
  }
}

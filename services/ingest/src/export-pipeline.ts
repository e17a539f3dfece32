import type { Logger } from '@tailstream/telemetry';
import { bodyLength, type BodyChunks } from './body-reader';
import { UndecodableError, type TraceDecoder } from './decode';
import type { IngestMetrics, Transport } from './metrics';
import type { SpanBatchWriter } from './span-writer';

export interface ExportPipelineOptions {
  /** Bytes accepted but not yet acknowledged by Kafka (requests in flight + the producer's queue). */
  maxInFlightBytes: number;
  /** How long intake answers "unavailable" after Kafka failed to acknowledge a request. */
  retryAfterSeconds: number;
}

/** Why a request is refused before its body is read (all retryable). */
export interface Refusal {
  reason: 'shutting_down' | 'kafka_unavailable' | 'in_flight_full';
  message: string;
}

export type ExportResult =
  /** Kafka acknowledged every batch; `rejectedSpans`/`message` are the OTLP partial_success. */
  | { kind: 'ok'; rejectedSpans: number; message: string }
  /** The body is not an OTLP ExportTraceServiceRequest in the given encoding. */
  | { kind: 'undecodable'; message: string }
  /** Kafka did not acknowledge (some batches may have been written). */
  | { kind: 'kafka_unavailable'; message: string };

/**
 * The transport-independent part of receiving OTLP requests, shared by the OTLP/HTTP and
 * OTLP/gRPC receivers so both draw from one in-flight budget and see one Kafka-failing state:
 * admission (shutting down, Kafka failing, in-flight bytes vs the producer's pending bytes), the
 * one-pass decode, span/rejection/truncation metrics, the Kafka write and its outcome.
 */
export class ExportPipeline {
  private inFlightBytes = 0;
  private kafkaFailingUntil = 0;
  private accepting = true;

  constructor(
    readonly options: ExportPipelineOptions,
    private readonly decode: TraceDecoder,
    private readonly writer: SpanBatchWriter,
    private readonly metrics: IngestMetrics,
    private readonly logger: Logger,
  ) {}

  get isAccepting(): boolean {
    return this.accepting;
  }

  /** From now on every request is refused with `shutting_down`. */
  stopAccepting(): void {
    this.accepting = false;
  }

  /** Undefined when a request may come in, else why not. Checked before the request body is read. */
  admit(): Refusal | undefined {
    if (!this.accepting) return { reason: 'shutting_down', message: 'shutting down' };
    if (Date.now() < this.kafkaFailingUntil) return { reason: 'kafka_unavailable', message: 'Kafka is unavailable' };
    if (this.inFlightBytes + this.writer.pendingBytes >= this.options.maxInFlightBytes) {
      return { reason: 'in_flight_full', message: 'too much data in flight; retry later' };
    }
    return undefined;
  }

  /** Decodes an (uncompressed) request body and writes its span batches; resolves once Kafka acknowledged them all. */
  async export(body: Buffer | BodyChunks, encoding: 'protobuf' | 'json', transport: Transport): Promise<ExportResult> {
    const bytes = bodyLength(body);
    let outcome;
    try {
      outcome = this.decode(body, encoding);
    } catch (error) {
      if (error instanceof UndecodableError) return { kind: 'undecodable', message: `undecodable OTLP ${encoding} body: ${error.message}` };
      throw error;
    }
    this.metrics.spansReceived.inc({ transport }, outcome.acceptedSpans + outcome.rejectedSpans);
    for (const [reason, n] of outcome.rejectedByReason) this.metrics.spansRejected.inc({ transport, reason }, n);
    for (const [kind, n] of outcome.truncations) this.metrics.truncations.inc({ kind }, n);

    if (outcome.messages.length > 0) {
      this.inFlightBytes += bytes;
      this.metrics.inFlightBytes.set(this.inFlightBytes);
      try {
        await this.writer.write(outcome.messages);
      } catch (error) {
        this.kafkaFailingUntil = Date.now() + this.options.retryAfterSeconds * 1000;
        this.logger.warn({ err: error, transport }, 'Kafka did not acknowledge a request; answering unavailable');
        return { kind: 'kafka_unavailable', message: 'Kafka is unavailable' };
      } finally {
        this.inFlightBytes -= bytes;
        this.metrics.inFlightBytes.set(this.inFlightBytes);
      }
    }
    this.metrics.spansAccepted.inc({ transport }, outcome.acceptedSpans);
    return { kind: 'ok', rejectedSpans: outcome.rejectedSpans, message: outcome.rejectedSpans > 0 ? outcome.message : '' };
  }
}

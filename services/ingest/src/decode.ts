import type { TraceBatchMessage } from '@tailstream/otlp';
import type { BodyChunks } from './body-reader';

/** What decoding one OTLP request gives ingest (see @tailstream/otlp). */
export interface DecodeOutcome {
  /** Accepted spans as span-batch Avro messages, one per trace (what goes to the spans topic). */
  messages: TraceBatchMessage[];
  acceptedSpans: number;
  rejectedSpans: number;
  /** Rejected spans by reason code. */
  rejectedByReason: Map<string, number>;
  /** Truncations by kind (attributes, values, events, links). */
  truncations: Map<string, number>;
  /** First rejection message, for OTLP partial_success. */
  message: string;
}

/** Decodes an OTLP ExportTraceServiceRequest body; throws `UndecodableError` when the body is not OTLP. */
export type TraceDecoder = (body: Buffer | BodyChunks, encoding: 'protobuf' | 'json') => DecodeOutcome;

export class UndecodableError extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'UndecodableError';
  }
}

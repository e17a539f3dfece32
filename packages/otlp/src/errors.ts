/** Why a body could not be decoded at all (as opposed to per-span rejections, see RejectReason). */
export type OtlpDecodeReason =
  /** Not a valid protobuf `ExportTraceServiceRequest` (truncated, bad wire type, field overrun...). */
  | 'invalid_protobuf'
  /** Not valid JSON, or JSON whose shape does not follow the OTLP/JSON encoding. */
  | 'invalid_json'
  /** Nesting of attribute values deeper than the decoder allows. */
  | 'too_deep'
  /** An encoding name this package does not know. */
  | 'unsupported_encoding';

/**
 * The body (HTTP request or Kafka record) is undecodable as a whole. Never retryable: the same
 * bytes fail the same way (HTTP 400, Kafka dead-letter topic).
 */
export class OtlpDecodeError extends Error {
  readonly code = 'OTLP_DECODE_FAILED';
  readonly retryable = false;
  constructor(
    readonly reason: OtlpDecodeReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OtlpDecodeError';
  }
}

/** Wraps anything thrown while reading bytes (protobufjs RangeError, our own checks) into an OtlpDecodeError. */
export function asDecodeError(err: unknown, reason: OtlpDecodeReason, what: string): OtlpDecodeError {
  if (err instanceof OtlpDecodeError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new OtlpDecodeError(reason, `${what}: ${detail}`, { cause: err });
}

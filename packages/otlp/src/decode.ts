import { decodeProtobufTraces } from './decode-protobuf';
import { otlpJsonToProtobuf } from './decode-json';
import { OtlpDecodeError } from './errors';
import { resolveDecodeOptions, type OtlpDecodeOptions, type OtlpDecodeResult } from './options';
import { asBuffer } from './read';

/** Body encodings: OTLP/HTTP `application/x-protobuf` / `application/json`; Kafka `otlp_proto` / `otlp_json`. */
export type OtlpEncoding = 'protobuf' | 'json';

/**
 * Decodes an OTLP `ExportTraceServiceRequest` (HTTP body or Kafka record value), validates every
 * span, normalizes the accepted ones and groups them into one SpanBatch per trace ID.
 *
 * Invalid spans are counted per reason and left out; they never sink the valid spans of the same
 * body. A body that cannot be decoded at all throws OtlpDecodeError (never anything else).
 */
export function decodeOtlpTraces(body: Uint8Array | string, encoding: OtlpEncoding, options?: OtlpDecodeOptions): OtlpDecodeResult {
  const resolved = resolveDecodeOptions(options);
  if (encoding === 'protobuf') {
    if (typeof body === 'string') throw new OtlpDecodeError('invalid_protobuf', 'protobuf body must be bytes');
    return decodeProtobufTraces(asBuffer(body), resolved);
  }
  if (encoding === 'json') {
    return decodeProtobufTraces(otlpJsonToProtobuf(typeof body === 'string' ? body : asBuffer(body)), resolved);
  }
  throw new OtlpDecodeError('unsupported_encoding', `unsupported OTLP encoding: ${String(encoding)}`);
}

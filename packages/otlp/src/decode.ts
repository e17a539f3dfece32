import { SPAN_BATCH_SCHEMA_ID, spanBatchCodec } from '@tailstream/avro';
import { otlpJsonToProtobuf } from './decode-json';
import { OtlpDecodeError } from './errors';
import { resolveDecodeOptions, type OtlpDecodeOptions, type OtlpDecodeResult, type OtlpTranscodeResult } from './options';
import { asBuffer } from './read';
import { transcodeProtobufTraces } from './transcode-protobuf';

/** Body encodings: OTLP/HTTP `application/x-protobuf` / `application/json`; Kafka `otlp_proto` / `otlp_json`. */
export type OtlpEncoding = 'protobuf' | 'json';

/**
 * A request body: bytes, the chunks it arrived in (in order; a protobuf body is then never
 * joined into one buffer of its own), or, for JSON, a string.
 */
export type OtlpBody = Uint8Array | readonly Uint8Array[] | string;

/**
 * Transcodes an OTLP `ExportTraceServiceRequest` (HTTP body or Kafka record value) into span-batch
 * Avro messages: validates every span, normalizes the accepted ones and writes one message per
 * trace ID (what ingest sends to the spans topic, keyed by the trace ID).
 *
 * Invalid spans are counted per reason and left out; they never sink the valid spans of the same
 * body. A body that cannot be decoded at all throws OtlpDecodeError (never anything else).
 */
export function transcodeOtlpTraces(body: OtlpBody, encoding: OtlpEncoding, options?: OtlpDecodeOptions): OtlpTranscodeResult {
  const resolved = resolveDecodeOptions(options);
  if (encoding === 'protobuf') {
    if (typeof body === 'string') throw new OtlpDecodeError('invalid_protobuf', 'protobuf body must be bytes');
    return transcodeProtobufTraces(body instanceof Uint8Array ? [asBuffer(body)] : body.map(asBuffer), resolved);
  }
  if (encoding === 'json') {
    const json = typeof body === 'string' ? body : body instanceof Uint8Array ? asBuffer(body) : Buffer.concat(body);
    return transcodeProtobufTraces([otlpJsonToProtobuf(json)], resolved);
  }
  throw new OtlpDecodeError('unsupported_encoding', `unsupported OTLP encoding: ${String(encoding)}`);
}

/**
 * The same as transcodeOtlpTraces, with each message decoded into a SpanBatch object (for tools,
 * tests and the load generator; ingest itself sends the Avro messages as they are).
 */
export function decodeOtlpTraces(body: OtlpBody, encoding: OtlpEncoding, options?: OtlpDecodeOptions): OtlpDecodeResult {
  const { messages, ...counts } = transcodeOtlpTraces(body, encoding, options);
  const codec = spanBatchCodec();
  return { ...counts, batches: messages.map((m) => codec.decode(m.value, SPAN_BATCH_SCHEMA_ID)) };
}

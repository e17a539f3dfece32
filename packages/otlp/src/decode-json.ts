import { fromHex } from '@tailstream/model';
import { asDecodeError, OtlpDecodeError } from './errors';
import { OTLP_TYPES, otlpType } from './proto-root';
import { EMPTY_BYTES } from './read';

/**
 * Converts an OTLP/JSON `ExportTraceServiceRequest` into its protobuf encoding, so that JSON and
 * protobuf bodies go through the same decoder, validation and normalization.
 *
 * OTLP/JSON differs from the generic protobuf JSON mapping only in its IDs: trace/span IDs are hex,
 * not base64. They are converted here (an ID that is not valid hex becomes empty, so the span is
 * rejected as invalid_trace_id / invalid_span_id instead of failing the whole body). Everything else
 * is handled by protobufjs from the official definitions: lowerCamelCase field names, enums as names
 * or numbers, int64 (intValue, timestamps) as strings or numbers, bytesValue as base64, unknown
 * fields ignored. A body that is not JSON, or whose shape does not fit, throws OtlpDecodeError.
 */
export function otlpJsonToProtobuf(body: Buffer | string): Buffer {
  let parsed: unknown;
  let text = typeof body === 'string' ? body : body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 byte order mark
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw asDecodeError(err, 'invalid_json', 'body is not valid JSON');
  }
  if (!isObject(parsed)) throw new OtlpDecodeError('invalid_json', 'OTLP/JSON body must be a JSON object');
  hexIdsToBytes(parsed);
  const type = otlpType(OTLP_TYPES.exportRequest);
  try {
    const message = type.fromObject(parsed);
    return type.encode(message).finish() as Buffer;
  } catch (err) {
    throw asDecodeError(err, 'invalid_json', 'body does not follow the OTLP/JSON trace encoding');
  }
}

/** Replaces the hex IDs of spans and links, in place, with bytes (which protobufjs passes through). */
function hexIdsToBytes(request: Record<string, unknown>): void {
  for (const rs of arrayOrEmpty(request.resourceSpans)) {
    if (!isObject(rs)) continue;
    for (const ss of arrayOrEmpty(rs.scopeSpans)) {
      if (!isObject(ss)) continue;
      for (const span of arrayOrEmpty(ss.spans)) {
        if (!isObject(span)) continue;
        convertId(span, 'traceId');
        convertId(span, 'spanId');
        convertId(span, 'parentSpanId');
        for (const link of arrayOrEmpty(span.links)) {
          if (!isObject(link)) continue;
          convertId(link, 'traceId');
          convertId(link, 'spanId');
        }
      }
    }
  }
}

function convertId(obj: Record<string, unknown>, field: string): void {
  const v = obj[field];
  if (v === undefined || v === null) return;
  obj[field] = typeof v === 'string' ? (fromHex(v) ?? EMPTY_BYTES) : EMPTY_BYTES;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function arrayOrEmpty(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

import type { SpanBatch } from '@tailstream/model';
import { encodeExportTraceServiceRequest, OTLP_TYPES, otlpRoot } from '@tailstream/otlp';

/** Body encodings of OTLP/HTTP and of the Collector's Kafka exporter (`otlp_proto` / `otlp_json`). */
export type OtlpBodyEncoding = 'protobuf' | 'json';

/** Content-Type of each encoding on OTLP/HTTP. */
export const OTLP_CONTENT_TYPES: Record<OtlpBodyEncoding, string> = {
  protobuf: 'application/x-protobuf',
  json: 'application/json',
};

/** Protobuf `ExportTraceServiceRequest` holding the batches (encoded by @tailstream/otlp). */
export function encodeOtlpProtobuf(batches: readonly SpanBatch[]): Buffer {
  return encodeExportTraceServiceRequest(batches);
}

/**
 * OTLP/JSON `ExportTraceServiceRequest` (the OTLP JSON encoding: lowerCamelCase names, trace and
 * span IDs as hex, enums as numbers, 64-bit integers as decimal strings, bytes as base64).
 * Built from the protobuf encoding through the official definitions, so both encodings carry
 * exactly the same content.
 */
export function encodeOtlpJson(batches: readonly SpanBatch[]): string {
  return JSON.stringify(otlpJsonObject(batches));
}

/** The OTLP/JSON request as a plain object. */
export function otlpJsonObject(batches: readonly SpanBatch[]): Record<string, unknown> {
  const type = otlpRoot().lookupType(OTLP_TYPES.exportRequest);
  const message = type.decode(encodeExportTraceServiceRequest(batches));
  const obj = type.toObject(message, { longs: String, enums: Number, bytes: String, defaults: false }) as Record<string, unknown>;
  for (const rs of asArray(obj.resourceSpans)) {
    for (const ss of asArray(rs.scopeSpans)) {
      for (const span of asArray(ss.spans)) {
        hexId(span, 'traceId');
        hexId(span, 'spanId');
        hexId(span, 'parentSpanId');
        for (const link of asArray(span.links)) {
          hexId(link, 'traceId');
          hexId(link, 'spanId');
        }
      }
    }
  }
  return obj;
}

/** Encodes a request body in the given encoding. */
export function encodeOtlpBody(batches: readonly SpanBatch[], encoding: OtlpBodyEncoding): Buffer {
  return encoding === 'json' ? Buffer.from(encodeOtlpJson(batches), 'utf8') : encodeOtlpProtobuf(batches);
}

function asArray(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? (v as Array<Record<string, unknown>>) : [];
}

/** protobufjs writes bytes as base64; OTLP/JSON wants trace and span IDs as hex. */
function hexId(obj: Record<string, unknown>, field: string): void {
  const v = obj[field];
  if (typeof v === 'string') obj[field] = Buffer.from(v, 'base64').toString('hex');
}

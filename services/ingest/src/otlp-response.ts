import { Reader, Writer } from 'protobufjs';

/**
 * OTLP response bodies (opentelemetry-proto collector/trace/v1 and google.rpc.Status), in the
 * request's encoding (gRPC: always protobuf). Small enough to write field by field with protobufjs's Writer.
 */

/** ExportTraceServiceResponse { partial_success: ExportTracePartialSuccess { rejected_spans, error_message } }. */
export function exportResponse(encoding: 'protobuf' | 'json', rejectedSpans: number, errorMessage: string): Buffer {
  if (encoding === 'json') {
    const body = rejectedSpans > 0 || errorMessage ? { partialSuccess: { rejectedSpans: String(rejectedSpans), errorMessage } } : {};
    return Buffer.from(JSON.stringify(body));
  }
  const writer = Writer.create();
  if (rejectedSpans > 0 || errorMessage) {
    writer.uint32((1 << 3) | 2).fork();
    if (rejectedSpans > 0) writer.uint32((1 << 3) | 0).int64(rejectedSpans);
    if (errorMessage) writer.uint32((2 << 3) | 2).string(errorMessage);
    writer.ldelim();
  }
  return Buffer.from(writer.finish());
}

/** google.rpc.Status { code, message }, the OTLP/HTTP error body. */
export function statusBody(encoding: 'protobuf' | 'json', grpcCode: number, message: string): Buffer {
  if (encoding === 'json') return Buffer.from(JSON.stringify({ code: grpcCode, message }));
  const writer = Writer.create();
  writer.uint32((1 << 3) | 0).int32(grpcCode);
  writer.uint32((2 << 3) | 2).string(message);
  return Buffer.from(writer.finish());
}

/** Reads an ExportTraceServiceResponse (the gRPC client side of `exportResponse`; unknown fields are skipped). */
export function decodeExportResponse(bytes: Uint8Array): { rejectedSpans: number; errorMessage: string } {
  const out = { rejectedSpans: 0, errorMessage: '' };
  const reader = Reader.create(bytes);
  while (reader.pos < reader.len) {
    const tag = reader.uint32();
    if (tag !== ((1 << 3) | 2)) {
      reader.skipType(tag & 7);
      continue;
    }
    const inner = Reader.create(reader.bytes());
    while (inner.pos < inner.len) {
      const innerTag = inner.uint32();
      if (innerTag === ((1 << 3) | 0)) out.rejectedSpans = Number(inner.int64().toString());
      else if (innerTag === ((2 << 3) | 2)) out.errorMessage = inner.string();
      else inner.skipType(innerTag & 7);
    }
  }
  return out;
}

/**
 * google.rpc.Status { code, message, details: [Any(google.rpc.RetryInfo { retry_delay })] }, sent as
 * the `grpc-status-details-bin` trailer: how OTLP/gRPC servers tell exporters when to retry.
 */
export function retryInfoStatus(grpcCode: number, message: string, retryAfterSeconds: number): Buffer {
  const retryInfo = Writer.create();
  retryInfo.uint32((1 << 3) | 2).fork(); // retry_delay: google.protobuf.Duration
  retryInfo.uint32((1 << 3) | 0).int64(retryAfterSeconds); // seconds
  retryInfo.ldelim();
  const writer = Writer.create();
  writer.uint32((1 << 3) | 0).int32(grpcCode);
  writer.uint32((2 << 3) | 2).string(message);
  writer.uint32((3 << 3) | 2).fork(); // details: google.protobuf.Any
  writer.uint32((1 << 3) | 2).string('type.googleapis.com/google.rpc.RetryInfo');
  writer.uint32((2 << 3) | 2).bytes(retryInfo.finish());
  writer.ldelim();
  return Buffer.from(writer.finish());
}

/** gRPC status codes used in error bodies. */
export const GRPC = { INVALID_ARGUMENT: 3, UNAUTHENTICATED: 16, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, INTERNAL: 13, UNIMPLEMENTED: 12 } as const;

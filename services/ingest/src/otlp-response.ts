import { Writer } from 'protobufjs';

/**
 * OTLP/HTTP response bodies (opentelemetry-proto collector/trace/v1 and google.rpc.Status), in the
 * request's encoding. Small enough to write field by field with protobufjs's Writer.
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

/** gRPC status codes used in error bodies. */
export const GRPC = { INVALID_ARGUMENT: 3, UNAUTHENTICATED: 16, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, INTERNAL: 13, UNIMPLEMENTED: 12 } as const;

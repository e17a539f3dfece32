import { Writer } from './protobuf';
import type { OtlpDecodeResult } from './options';
import * as W from './wire';

/** OTLP `ExportTracePartialSuccess`: what the server did not accept. */
export interface PartialSuccess {
  rejectedSpans: number;
  errorMessage: string;
}

/** The partial_success to report for a decode result, or undefined when every span was accepted. */
export function partialSuccessOf(result: Pick<OtlpDecodeResult, 'rejectedCount' | 'firstErrorMessage'>): PartialSuccess | undefined {
  if (result.rejectedCount === 0) return undefined;
  return { rejectedSpans: result.rejectedCount, errorMessage: result.firstErrorMessage ?? '' };
}

/** Protobuf `ExportTraceServiceResponse` (empty message when fully accepted). */
export function encodeExportTraceServiceResponse(partial?: PartialSuccess): Buffer {
  const w = Writer.create();
  if (partial !== undefined) {
    w.uint32(W.RESPONSE_PARTIAL_SUCCESS).fork();
    if (partial.rejectedSpans !== 0) w.uint32(W.PARTIAL_REJECTED_SPANS).int64(partial.rejectedSpans);
    if (partial.errorMessage !== '') w.uint32(W.PARTIAL_ERROR_MESSAGE).string(partial.errorMessage);
    w.ldelim();
  }
  return w.finish() as Buffer;
}

/** OTLP/JSON `ExportTraceServiceResponse` (int64 as a string, as the protobuf JSON mapping does). */
export function exportTraceServiceResponseJson(partial?: PartialSuccess): string {
  if (partial === undefined) return '{}';
  return JSON.stringify({
    partialSuccess: { rejectedSpans: String(partial.rejectedSpans), errorMessage: partial.errorMessage },
  });
}

import { toHex } from '@tailstream/model';

/**
 * Why a span was rejected. Each span gets the first reason that applies, checked in this order.
 * Ingest counts them in a metric (label `reason`) and reports the total in OTLP `partial_success`.
 */
export const RejectReason = {
  /** trace_id is not 16 bytes, or is all zero (OTLP/JSON: empty or not hex). */
  InvalidTraceId: 'invalid_trace_id',
  /** span_id is not 8 bytes, or is all zero. */
  InvalidSpanId: 'invalid_span_id',
  /** parent_span_id is neither empty nor 8 bytes. (All-zero 8 bytes is accepted as "no parent".) */
  InvalidParentSpanId: 'invalid_parent_span_id',
  /** name is missing or empty. */
  MissingName: 'missing_name',
  /** start or end time is 0 (unset). */
  ZeroTimestamp: 'zero_timestamp',
  /** end time is before start time. */
  EndBeforeStart: 'end_before_start',
  /** start is more than maxPastNs before now, or end more than maxFutureNs after now. */
  TimestampOutOfRange: 'timestamp_out_of_range',
} as const;

export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

/** Every reason, in check order (e.g. to pre-create metric series). */
export const REJECT_REASONS: readonly RejectReason[] = Object.values(RejectReason);

const EXPLANATION: Record<RejectReason, string> = {
  invalid_trace_id: 'trace ID must be 16 bytes and not all zero',
  invalid_span_id: 'span ID must be 8 bytes and not all zero',
  invalid_parent_span_id: 'parent span ID must be empty or 8 bytes',
  missing_name: 'span name is empty',
  zero_timestamp: 'start and end time must be set',
  end_before_start: 'end time is before start time',
  timestamp_out_of_range: 'timestamps are too far from the current time',
};

/** Inclusive window of accepted timestamps (ns since epoch). */
export interface TimeWindow {
  minNs: bigint;
  maxNs: bigint;
}

/**
 * Checks one span's header. Returns the rejection reason, or undefined when the span is valid.
 * The trace ID is checked by the caller (`isValidIdAt`, in place) and passed as `traceIdValid`;
 * `parentSpanId` must already be normalized (all-zero to empty).
 */
export function validateSpan(
  traceIdValid: boolean,
  spanId: Uint8Array,
  parentSpanId: Uint8Array,
  name: string,
  startNs: bigint,
  endNs: bigint,
  window: TimeWindow,
): RejectReason | undefined {
  if (!traceIdValid) return RejectReason.InvalidTraceId;
  if (spanId.length !== 8 || isZero(spanId)) return RejectReason.InvalidSpanId;
  if (parentSpanId.length !== 0 && parentSpanId.length !== 8) return RejectReason.InvalidParentSpanId;
  if (name.length === 0) return RejectReason.MissingName;
  if (startNs === 0n || endNs === 0n) return RejectReason.ZeroTimestamp;
  if (endNs < startNs) return RejectReason.EndBeforeStart;
  if (startNs < window.minNs || endNs > window.maxNs) return RejectReason.TimestampOutOfRange;
  return undefined;
}

/** True when buf[start, start+length) is an ID of `expectedLength` bytes, not all zero. */
export function isValidIdAt(buf: Uint8Array, start: number, length: number, expectedLength: number): boolean {
  if (length !== expectedLength) return false;
  for (let i = start; i < start + length; i++) if (buf[i] !== 0) return true;
  return false;
}

/** True when every byte is zero (an 8-byte all-zero parent means "root" for some senders). */
export function isZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

/** Human-readable message for the first rejection of a request (OTLP partial_success.error_message). */
export function describeRejection(reason: RejectReason, traceId: Uint8Array, spanId: Uint8Array): string {
  const ids = traceId.length === 16 && spanId.length === 8 ? ` (trace ${toHex(traceId)}, span ${toHex(spanId)})` : '';
  return `span rejected: ${reason}: ${EXPLANATION[reason]}${ids}`;
}

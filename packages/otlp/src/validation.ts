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
 * A time window as unsigned 64-bit bounds split into 32-bit halves, to compare with protobuf
 * fixed64 timestamps read as two uint32 (no bigint per span). Bounds are clamped to [0, 2^64 - 1].
 */
export interface HalvesWindow {
  minHi: number;
  minLo: number;
  maxHi: number;
  maxLo: number;
}

const U32 = 0x1_0000_0000n;
const U64_MAX = (1n << 64n) - 1n;

export function halvesWindow(window: TimeWindow): HalvesWindow {
  const clamp = (ns: bigint): bigint => (ns < 0n ? 0n : ns > U64_MAX ? U64_MAX : ns);
  const min = clamp(window.minNs);
  const max = clamp(window.maxNs);
  return { minHi: Number(min / U32), minLo: Number(min % U32), maxHi: Number(max / U32), maxLo: Number(max % U32) };
}

/** (aHi:aLo) < (bHi:bLo) as unsigned 64-bit numbers. */
function below(aHi: number, aLo: number, bHi: number, bLo: number): boolean {
  return aHi < bHi || (aHi === bHi && aLo < bLo);
}

/**
 * Checks one span's header, read in place from its protobuf encoding. Returns the rejection
 * reason, or undefined when the span is valid. IDs are checked by the caller (`isValidIdAt`) and
 * passed as flags; `parentLength` is the parent span ID's length (an all-zero 8-byte parent is
 * fine); timestamps are fixed64 values as 32-bit halves.
 */
export function validateSpan(
  traceIdValid: boolean,
  spanIdValid: boolean,
  parentLength: number,
  nameLength: number,
  startHi: number,
  startLo: number,
  endHi: number,
  endLo: number,
  window: HalvesWindow,
): RejectReason | undefined {
  if (!traceIdValid) return RejectReason.InvalidTraceId;
  if (!spanIdValid) return RejectReason.InvalidSpanId;
  if (parentLength !== 0 && parentLength !== 8) return RejectReason.InvalidParentSpanId;
  if (nameLength === 0) return RejectReason.MissingName;
  if ((startHi === 0 && startLo === 0) || (endHi === 0 && endLo === 0)) return RejectReason.ZeroTimestamp;
  if (below(endHi, endLo, startHi, startLo)) return RejectReason.EndBeforeStart;
  if (below(startHi, startLo, window.minHi, window.minLo) || below(window.maxHi, window.maxLo, endHi, endLo)) {
    return RejectReason.TimestampOutOfRange;
  }
  return undefined;
}

/** True when buf[start, start+length) is an ID of `expectedLength` bytes, not all zero. */
export function isValidIdAt(buf: Uint8Array, start: number, length: number, expectedLength: number): boolean {
  if (length !== expectedLength) return false;
  for (let i = start; i < start + length; i++) if (buf[i] !== 0) return true;
  return false;
}

/** True when buf[start, end) is all zero (an 8-byte all-zero parent means "root" for some senders). */
export function isZeroAt(buf: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (buf[i] !== 0) return false;
  return true;
}

/** Human-readable message for the first rejection of a request (OTLP partial_success.error_message). */
export function describeRejection(reason: RejectReason, traceId: Uint8Array, spanId: Uint8Array): string {
  const ids = traceId.length === 16 && spanId.length === 8 ? ` (trace ${toHex(traceId)}, span ${toHex(spanId)})` : '';
  return `span rejected: ${reason}: ${EXPLANATION[reason]}${ids}`;
}

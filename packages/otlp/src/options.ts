import type { SpanBatch } from '@tailstream/model';
import type { RejectReason, TimeWindow } from './validation';

/** Validation bounds and normalization limits for decodeOtlpTraces. Every field is optional. */
export interface OtlpDecodeOptions {
  /** "Now" in ns since the epoch (injectable for tests); also the batches' receivedAtUnixNano. Default: the clock. */
  nowNs?: bigint;
  /** Spans starting more than this before now are rejected (`timestamp_out_of_range`). Default 7 days. */
  maxPastNs?: bigint;
  /** Spans ending more than this after now are rejected (`timestamp_out_of_range`). Default 1 hour. */
  maxFutureNs?: bigint;
  /** Span attributes beyond the first N are dropped and counted in droppedAttributesCount. Default 128 (the SDK default). */
  maxAttributesPerSpan?: number;
  /**
   * Top-level string values of span attributes longer than this many Unicode code points are cut
   * to it. Default Infinity (no limit, like the SDKs). Strings inside arrays/kvlists are left as is.
   */
  maxAttributeValueLength?: number;
  /** Events beyond the first N are dropped and counted in droppedEventsCount. Default 128. */
  maxEventsPerSpan?: number;
  /** Links beyond the first N are dropped and counted in droppedLinksCount. Default 128. */
  maxLinksPerSpan?: number;
}

/** Options with every default filled in. */
export interface ResolvedDecodeOptions {
  nowNs: bigint;
  window: TimeWindow;
  maxAttributesPerSpan: number;
  maxAttributeValueLength: number;
  maxEventsPerSpan: number;
  maxLinksPerSpan: number;
}

const NS_PER_MS = 1_000_000n;
/** Default maxPastNs: 7 days. */
export const DEFAULT_MAX_PAST_NS = 7n * 24n * 3600n * 1000n * NS_PER_MS;
/** Default maxFutureNs: 1 hour. */
export const DEFAULT_MAX_FUTURE_NS = 3600n * 1000n * NS_PER_MS;
/** Default count limits, as the OpenTelemetry SDKs use. */
export const DEFAULT_MAX_ATTRIBUTES_PER_SPAN = 128;
export const DEFAULT_MAX_EVENTS_PER_SPAN = 128;
export const DEFAULT_MAX_LINKS_PER_SPAN = 128;

/** Fills defaults and checks the limits (non-negative integers or Infinity). */
export function resolveDecodeOptions(options: OtlpDecodeOptions = {}): ResolvedDecodeOptions {
  const nowNs = options.nowNs ?? BigInt(Date.now()) * NS_PER_MS;
  const maxPast = options.maxPastNs ?? DEFAULT_MAX_PAST_NS;
  const maxFuture = options.maxFutureNs ?? DEFAULT_MAX_FUTURE_NS;
  if (maxPast < 0n || maxFuture < 0n) throw new RangeError('maxPastNs and maxFutureNs must be >= 0');
  return {
    nowNs,
    window: { minNs: nowNs - maxPast, maxNs: nowNs + maxFuture },
    maxAttributesPerSpan: limit('maxAttributesPerSpan', options.maxAttributesPerSpan, DEFAULT_MAX_ATTRIBUTES_PER_SPAN),
    maxAttributeValueLength: limit('maxAttributeValueLength', options.maxAttributeValueLength, Infinity),
    maxEventsPerSpan: limit('maxEventsPerSpan', options.maxEventsPerSpan, DEFAULT_MAX_EVENTS_PER_SPAN),
    maxLinksPerSpan: limit('maxLinksPerSpan', options.maxLinksPerSpan, DEFAULT_MAX_LINKS_PER_SPAN),
  };
}

function limit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (value === Infinity || (Number.isInteger(value) && value >= 0)) return value;
  throw new RangeError(`${name} must be a non-negative integer or Infinity, got ${value}`);
}

/** What normalization changed, counted per item. */
export interface TruncationCounts {
  /** Span attributes dropped by maxAttributesPerSpan. */
  attributes: number;
  /** Span attribute string values cut by maxAttributeValueLength. */
  attributeValues: number;
  /** Events dropped by maxEventsPerSpan. */
  events: number;
  /** Links dropped by maxLinksPerSpan. */
  links: number;
}

/** One trace's accepted spans of one OTLP body, as one span-batch Avro message. */
export interface TraceBatchMessage {
  /** The trace ID (16 bytes; a view into `value`). */
  traceId: Buffer;
  /** The SpanBatch in Avro binary, writer schema SPAN_BATCH_SCHEMA_ID of @tailstream/avro. */
  value: Buffer;
  /** Spans in the batch. */
  spanCount: number;
}

/** Outcome of transcoding one OTLP body into span-batch messages (what ingest writes to Kafka). */
export interface OtlpTranscodeResult extends SpanCounts {
  /** Accepted spans, one message per trace ID (in order of first appearance), resources/scopes deduplicated per message. */
  messages: TraceBatchMessage[];
}

/** Outcome of decoding one OTLP body into span batch objects. */
export interface OtlpDecodeResult extends SpanCounts {
  /** Accepted spans, one batch per trace ID (in order of first appearance), resources/scopes deduplicated per batch. */
  batches: SpanBatch[];
}

/** What validation and normalization did to the spans of one OTLP body. */
export interface SpanCounts {
  /** Number of accepted spans (sum of batch sizes). */
  accepted: number;
  /** Rejected span count per reason (only reasons that occurred). */
  rejected: Map<RejectReason, number>;
  /** Total rejected spans (OTLP `partial_success.rejected_spans`). */
  rejectedCount: number;
  /** Message describing the first rejection (OTLP `partial_success.error_message`), undefined when none. */
  firstErrorMessage: string | undefined;
  truncations: TruncationCounts;
}

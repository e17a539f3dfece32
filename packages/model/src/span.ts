/**
 * The span batch: the unit that crosses Kafka between the workers (Avro `SpanBatch`, see
 * schemas/avro/). One batch holds spans of ONE trace, usually those that arrived in one OTLP request.
 *
 * Only the fields every stage needs are decoded into JS values. Attribute lists, events and links
 * stay as the OTLP protobuf bytes they arrived in (see the field comments), so a stage that does not
 * need them never pays to materialise them, while any reader can get full fidelity back by decoding
 * them with the official opentelemetry-proto definitions (@tailstream/otlp does that).
 */

import { spanIdKeyAt } from './ids';

/** A resource shared by spans of the batch (OTLP `Resource`). */
export interface ResourceRecord {
  /** `service.name` of the resource, or the documented fallback (`unknown_service`). */
  serviceName: string;
  /** Protobuf encoding of an OTLP `KeyValueList` holding all resource attributes. */
  attributes: Buffer;
  droppedAttributesCount: number;
  /** OTLP `ResourceSpans.schema_url`. */
  schemaUrl: string;
}

/** An instrumentation scope shared by spans of the batch (OTLP `InstrumentationScope`). */
export interface ScopeRecord {
  name: string;
  version: string;
  /** Protobuf encoding of an OTLP `KeyValueList` holding the scope attributes. */
  attributes: Buffer;
  droppedAttributesCount: number;
  /** OTLP `ScopeSpans.schema_url`. */
  schemaUrl: string;
}

export interface SpanRecord {
  /** 8 bytes. */
  spanId: Buffer;
  /** 8 bytes, or empty for a root span. */
  parentSpanId: Buffer;
  /** W3C trace state, as in OTLP. */
  traceState: string;
  /** OTLP span flags (W3C trace flags in the low byte). */
  flags: number;
  name: string;
  /** OTLP `Span.SpanKind` number (see SpanKind). */
  kind: number;
  /** Nanoseconds since the Unix epoch. */
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  /** OTLP `Status.StatusCode` number (see StatusCode). */
  statusCode: number;
  statusMessage: string;
  /** Index into SpanBatch.resources. */
  resourceIndex: number;
  /** Index into SpanBatch.scopes. */
  scopeIndex: number;
  /** Protobuf encoding of an OTLP `KeyValueList` holding the span attributes. */
  attributes: Buffer;
  droppedAttributesCount: number;
  /** Each element: protobuf encoding of one OTLP `Span.Event`. */
  events: Buffer[];
  droppedEventsCount: number;
  /** Each element: protobuf encoding of one OTLP `Span.Link`. */
  links: Buffer[];
  droppedLinksCount: number;
}

export interface SpanBatch {
  /** 16 bytes; every span of the batch belongs to this trace. */
  traceId: Buffer;
  resources: ResourceRecord[];
  scopes: ScopeRecord[];
  spans: SpanRecord[];
  /** When ingest accepted the batch (ns since epoch); 0 when unknown (written by schema v1). */
  receivedAtUnixNano: bigint;
}

/** Why and by what a trace was kept or dropped. Decisions are deterministic per trace content. */
export interface SamplingDecision {
  /** 16 bytes. */
  traceId: Buffer;
  sampled: boolean;
  /** Name of the deciding policy (`""` when no policy matched). */
  policy: string;
  /** Version (content hash) of the policy set that decided. */
  policyVersion: string;
  /** 1/p: how many traces this kept trace stands for (1 for keep-all policies). 0 when dropped. */
  adjustedCount: number;
  /** Spans of the trace when it was decided. */
  spanCount: number;
  /** Wall-clock time of the decision, ms since epoch (informational: not part of the decision). Avro long → bigint. */
  decidedAtUnixMs: bigint;
}

/** A batch of kept spans, with the decision that kept them (sampled-spans topic). */
export interface KeptSpanBatch {
  decision: SamplingDecision;
  batch: SpanBatch;
}

/** One row per kept trace (trace-summaries topic, then ClickHouse). */
export interface TraceSummary {
  traceId: Buffer;
  startTimeUnixNano: bigint;
  durationNano: bigint;
  spanCount: number;
  errorCount: number;
  rootServiceName: string;
  rootSpanName: string;
  /** Distinct service names, sorted. */
  services: string[];
  policy: string;
  policyVersion: string;
  adjustedCount: number;
}

/** Span duration in nanoseconds (0 when the end precedes the start). */
export function spanDurationNano(span: Pick<SpanRecord, 'startTimeUnixNano' | 'endTimeUnixNano'>): bigint {
  const d = span.endTimeUnixNano - span.startTimeUnixNano;
  return d > 0n ? d : 0n;
}

/** Service name of a span through its resource index. */
export function serviceOf(batch: SpanBatch, span: SpanRecord): string {
  return batch.resources[span.resourceIndex]?.serviceName ?? UNKNOWN_SERVICE;
}

/** Fallback service name, as the OpenTelemetry SDKs use when `service.name` is missing. */
export const UNKNOWN_SERVICE = 'unknown_service';

/**
 * Answers a span implementation may give without creating objects (the lazily read spans of
 * @tailstream/avro do). Plain span objects have neither; use isRootSpan and spanIdKeyOf, which
 * fall back to the fields.
 */
interface SpanShortcuts {
  /** Same as `parentSpanId.length === 0`. */
  readonly isRoot?: boolean;
  /** Same as `spanIdKeyAt(spanId, 0, spanId.length)`. */
  spanIdKey?(): number;
  /** Same as splitting startTimeUnixNano and endTimeUnixNano into `out` (see readSpanTimes). */
  readTimes?(out: SpanTimes): void;
}

/**
 * A span's start and end time, each a signed 64-bit value split into 32-bit halves: `hi` signed,
 * `lo` unsigned, so (hi, lo) pairs order as the values do. Lets trace assembly keep the earliest
 * start and latest end without a bigint per span.
 */
export interface SpanTimes {
  startHi: number;
  startLo: number;
  endHi: number;
  endLo: number;
}

/** Writes the span's start and end time into `out` as halves. */
export function readSpanTimes(span: SpanRecord, out: SpanTimes): void {
  const shortcuts = span as SpanShortcuts;
  if (shortcuts.readTimes !== undefined) return shortcuts.readTimes(out);
  const start = span.startTimeUnixNano;
  const end = span.endTimeUnixNano;
  out.startHi = Number(BigInt.asIntN(32, start >> 32n));
  out.startLo = Number(BigInt.asUintN(32, start));
  out.endHi = Number(BigInt.asIntN(32, end >> 32n));
  out.endLo = Number(BigInt.asUintN(32, end));
}

/** The signed 64-bit value of a (hi, lo) pair of readSpanTimes. */
export function joinTimeHalves(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** True when the (hi, lo) pair a is below b. */
export function timeHalvesBefore(aHi: number, aLo: number, bHi: number, bLo: number): boolean {
  return aHi < bHi || (aHi === bHi && aLo < bLo);
}

/** True for a root span (no parent span ID). */
export function isRootSpan(span: SpanRecord): boolean {
  const isRoot = (span as SpanShortcuts).isRoot;
  return isRoot === undefined ? span.parentSpanId.length === 0 : isRoot;
}

/** The span's `spanIdKeyAt` key (see there: equal IDs give equal keys). */
export function spanIdKeyOf(span: SpanRecord): number {
  const shortcuts = span as SpanShortcuts;
  if (shortcuts.spanIdKey !== undefined) return shortcuts.spanIdKey();
  const id = span.spanId;
  return spanIdKeyAt(id, 0, id.length);
}

import {
  isRootSpan,
  StatusCode,
  UNKNOWN_SERVICE,
  type ResourceRecord,
  type SamplingDecision,
  type SpanRecord,
  type TraceSummary,
} from '@tailstream/model';

/** The parts of a trace a summary reads (a DecidedTrace qualifies). */
export interface SummarizableTrace {
  readonly traceId: Buffer;
  readonly spans: readonly SpanRecord[];
  readonly resources: readonly ResourceRecord[];
  /** Earliest span start and latest span end, when the trace already knows them (a DecidedTrace does). */
  readonly startTimeUnixNano?: bigint;
  readonly endTimeUnixNano?: bigint;
}

/** The decision fields a summary carries. */
export type SummaryDecision = Pick<SamplingDecision, 'policy' | 'policyVersion' | 'adjustedCount'>;

/**
 * The summary row of a trace. Independent of span order: start = earliest start, duration =
 * latest end − earliest start (0 if negative), root = the span without a parent that starts
 * first (ties: lowest span ID); without such a span, the earliest span is used. Services are
 * the distinct service names of all spans, sorted.
 */
export function summarize(trace: SummarizableTrace, decision: SummaryDecision): TraceSummary {
  const spans = trace.spans;
  if (spans.length === 0) throw new RangeError('cannot summarize a trace without spans');
  let errorCount = 0;
  const services = new Set<string>();
  for (const span of spans) {
    if (span.statusCode === StatusCode.Error) errorCount++;
    services.add(serviceName(trace.resources, span));
  }
  const { start, end } = timeRange(trace);
  const root = findRoot(spans);
  const duration = end - start;
  return {
    traceId: trace.traceId,
    startTimeUnixNano: start,
    durationNano: duration > 0n ? duration : 0n,
    spanCount: spans.length,
    errorCount,
    rootServiceName: serviceName(trace.resources, root),
    rootSpanName: root.name,
    services: [...services].sort(),
    policy: decision.policy,
    policyVersion: decision.policyVersion,
    adjustedCount: decision.adjustedCount,
  };
}

/**
 * The root span as summarize() defines it (order-independent). Only root spans are compared
 * (usually there is one, so no start time is read); the earliest of all spans only without one.
 */
export function findRoot(spans: readonly SpanRecord[]): SpanRecord {
  let best: SpanRecord | undefined;
  for (const span of spans) if (isRootSpan(span) && (best === undefined || comesFirst(span, best))) best = span;
  if (best !== undefined) return best;
  for (const span of spans) if (best === undefined || comesFirst(span, best)) best = span;
  if (best === undefined) throw new RangeError('a trace without spans has no root');
  return best;
}

/** Earliest start and latest end of the trace's spans (given by the trace, or computed). */
function timeRange(trace: SummarizableTrace): { start: bigint; end: bigint } {
  if (trace.startTimeUnixNano !== undefined && trace.endTimeUnixNano !== undefined) {
    return { start: trace.startTimeUnixNano, end: trace.endTimeUnixNano };
  }
  const spans = trace.spans;
  let start = (spans[0] as SpanRecord).startTimeUnixNano;
  let end = (spans[0] as SpanRecord).endTimeUnixNano;
  for (const span of spans) {
    if (span.startTimeUnixNano < start) start = span.startTimeUnixNano;
    if (span.endTimeUnixNano > end) end = span.endTimeUnixNano;
  }
  return { start, end };
}

function comesFirst(a: SpanRecord, b: SpanRecord): boolean {
  if (a.startTimeUnixNano !== b.startTimeUnixNano) return a.startTimeUnixNano < b.startTimeUnixNano;
  return Buffer.compare(a.spanId, b.spanId) < 0;
}

function serviceName(resources: readonly ResourceRecord[], span: SpanRecord): string {
  return resources[span.resourceIndex]?.serviceName ?? UNKNOWN_SERVICE;
}

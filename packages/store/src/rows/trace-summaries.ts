import { toHex, type TraceSummary } from '@tailstream/model';
import { dateTime64Nanos } from './time';

/** Table of one row per kept trace. */
export const TRACE_SUMMARIES_TABLE = 'trace_summaries';

/** Column order of `trace_summaries` as written by `traceSummaryRow`. */
export const TRACE_SUMMARIES_COLUMNS = [
  'TraceId',
  'Start',
  'Duration',
  'SpanCount',
  'ErrorCount',
  'RootServiceName',
  'RootSpanName',
  'Services',
  'Policy',
  'PolicyVersion',
  'AdjustedCount',
] as const;

/** One `trace_summaries` row as a JSONEachRow line (no trailing newline). */
export function traceSummaryRow(summary: TraceSummary): string {
  const adjusted = Number.isFinite(summary.adjustedCount) ? summary.adjustedCount : 0;
  return (
    `{"TraceId":"${toHex(summary.traceId)}"` +
    `,"Start":"${dateTime64Nanos(summary.startTimeUnixNano)}"` +
    `,"Duration":${(summary.durationNano > 0n ? summary.durationNano : 0n).toString()}` +
    `,"SpanCount":${summary.spanCount}` +
    `,"ErrorCount":${summary.errorCount}` +
    `,"RootServiceName":${JSON.stringify(summary.rootServiceName)}` +
    `,"RootSpanName":${JSON.stringify(summary.rootSpanName)}` +
    `,"Services":${JSON.stringify(summary.services)}` +
    `,"Policy":${JSON.stringify(summary.policy)}` +
    `,"PolicyVersion":${JSON.stringify(summary.policyVersion)}` +
    `,"AdjustedCount":${adjusted}}`
  );
}

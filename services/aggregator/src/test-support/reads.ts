import { edgeKey, redKey, type EdgeTruthRow, type RedTruthRow } from './ground-truth';

/** Runs one SELECT and returns its rows: the in-process store, or a child aggregator's /query endpoint. */
export type Query = <T = Record<string, unknown>>(sql: string) => Promise<T[]>;

/** Every RED series per bucket as stored, merged with the documented -Merge / sum reads. */
export async function readRed(query: Query, db: string): Promise<Map<string, RedTruthRow & { bounds: number[] }>> {
  const rows = await query<RedTruthRow & { bounds: number[] }>(
    `SELECT toUInt32(toUnixTimestamp(Bucket)) AS bucket, ServiceName AS service, SpanName AS name, SpanKind AS kind,
            StatusCode AS status, toString(sum(Calls)) AS calls, toString(sum(Errors)) AS errors,
            toString(sum(DurationSumNano)) AS durationSumNano,
            arrayMap(c -> toString(c), sumForEachMerge(BucketCounts)) AS counts, any(BucketBounds) AS bounds
     FROM ${db}.red_metrics
     GROUP BY bucket, service, name, kind, status`,
  );
  return new Map(rows.map((r) => [redKey(r), r]));
}

/** Every service-graph edge per bucket as stored. */
export async function readEdges(query: Query, db: string): Promise<Map<string, EdgeTruthRow>> {
  const rows = await query<EdgeTruthRow>(
    `SELECT toUInt32(toUnixTimestamp(Bucket)) AS bucket, ClientService AS client, ServerService AS server,
            ConnectionType AS connectionType, toString(sum(Calls)) AS calls, toString(sum(Errors)) AS errors
     FROM ${db}.service_graph_edges
     GROUP BY bucket, client, server, connectionType`,
  );
  return new Map(rows.map((r) => [edgeKey(r), r]));
}

/** Total RED calls stored (cheap progress probe). */
export async function redCalls(query: Query, db: string): Promise<number> {
  const [row] = await query<{ calls: string }>(`SELECT toString(sum(Calls)) AS calls FROM ${db}.red_metrics`);
  return Number(row?.calls ?? 0);
}

/** Rows and distinct spans of otel_traces, with and without FINAL. */
export interface SpanCounts {
  rows: number;
  unique: number;
  finalRows: number;
  finalUnique: number;
}

export async function spanCounts(query: Query, db: string): Promise<SpanCounts> {
  const [plain] = await query<{ rows: string; unique: string }>(
    `SELECT toString(count()) AS rows, toString(uniqExact(TraceId, SpanId)) AS unique FROM ${db}.otel_traces`,
  );
  const [final] = await query<{ rows: string; unique: string }>(
    `SELECT toString(count()) AS rows, toString(uniqExact(TraceId, SpanId)) AS unique FROM ${db}.otel_traces FINAL`,
  );
  return { rows: Number(plain?.rows), unique: Number(plain?.unique), finalRows: Number(final?.rows), finalUnique: Number(final?.unique) };
}

/** Rows and distinct traces of trace_summaries, with and without FINAL. */
export async function summaryCounts(query: Query, db: string): Promise<SpanCounts> {
  const [plain] = await query<{ rows: string; unique: string }>(
    `SELECT toString(count()) AS rows, toString(uniqExact(TraceId)) AS unique FROM ${db}.trace_summaries`,
  );
  const [final] = await query<{ rows: string; unique: string }>(
    `SELECT toString(count()) AS rows, toString(uniqExact(TraceId)) AS unique FROM ${db}.trace_summaries FINAL`,
  );
  return { rows: Number(plain?.rows), unique: Number(plain?.unique), finalRows: Number(final?.rows), finalUnique: Number(final?.unique) };
}

/** Differences between expected and stored maps, as readable lines (empty when equal). */
export function diffMaps<T>(expected: Map<string, T>, actual: Map<string, T>, project: (v: T) => unknown = (v) => v): string[] {
  const out: string[] = [];
  for (const [key, want] of expected) {
    const got = actual.get(key);
    if (got === undefined) out.push(`missing ${key}: want ${JSON.stringify(project(want))}`);
    else if (JSON.stringify(project(got)) !== JSON.stringify(project(want))) {
      out.push(`differs ${key}: want ${JSON.stringify(project(want))} got ${JSON.stringify(project(got))}`);
    }
  }
  for (const [key, got] of actual) if (!expected.has(key)) out.push(`unexpected ${key}: ${JSON.stringify(project(got))}`);
  return out;
}

/** The RED fields compared against the ground truth. */
export const redFields = (r: RedTruthRow): unknown => [r.calls, r.errors, r.durationSumNano, r.counts];

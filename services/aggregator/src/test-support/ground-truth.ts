import type { FixtureTrace } from './fixtures';

/**
 * Ground truth computed straight from the generated spans, independently of @tailstream/red:
 * what red_metrics and service_graph_edges must hold, per event-time bucket and series.
 */

const KIND_NAMES = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const STATUS_NAMES = ['Unset', 'Ok', 'Error'];

/** Exporter string of an OTLP span kind number. */
export const kindName = (kind: number): string => KIND_NAMES[kind] ?? 'Unspecified';
/** Exporter string of an OTLP status code number. */
export const statusName = (code: number): string => STATUS_NAMES[code] ?? 'Unset';

/** One RED series in one bucket. Counters as decimal strings (ClickHouse returns 64-bit ints so). */
export interface RedTruthRow {
  bucket: number;
  service: string;
  name: string;
  kind: string;
  status: string;
  calls: string;
  errors: string;
  durationSumNano: string;
  counts: string[];
}

/** `service|name|kind|status@bucket` — the key both sides are compared by. */
export const redKey = (r: Pick<RedTruthRow, 'bucket' | 'service' | 'name' | 'kind' | 'status'>): string =>
  `${r.service}|${r.name}|${r.kind}|${r.status}@${r.bucket}`;

/** Histogram bucket of a duration: first bound (ms → ns) the duration does not exceed, else +Inf. */
function histogramIndex(boundsMs: readonly number[], durationNs: bigint): number {
  for (let i = 0; i < boundsMs.length; i++) {
    if (durationNs <= BigInt(Math.round((boundsMs[i] as number) * 1e6))) return i;
  }
  return boundsMs.length;
}

/** RED ground truth of every span of `traces`, keyed by redKey. */
export function redTruth(traces: readonly FixtureTrace[], bucketSeconds: number, boundsMs: readonly number[]): Map<string, RedTruthRow> {
  const acc = new Map<string, { row: Omit<RedTruthRow, 'calls' | 'errors' | 'durationSumNano' | 'counts'>; calls: number; errors: number; sum: bigint; counts: number[] }>();
  const width = BigInt(bucketSeconds) * 1_000_000_000n;
  for (const trace of traces) {
    for (const span of trace.spans) {
      const r = span.record;
      const bucket = Number((r.startTimeUnixNano / width) * width / 1_000_000_000n);
      const row = { bucket, service: span.service, name: r.name, kind: kindName(r.kind), status: statusName(r.statusCode) };
      const key = redKey(row);
      let a = acc.get(key);
      if (!a) {
        a = { row, calls: 0, errors: 0, sum: 0n, counts: new Array<number>(boundsMs.length + 1).fill(0) };
        acc.set(key, a);
      }
      const duration = r.endTimeUnixNano > r.startTimeUnixNano ? r.endTimeUnixNano - r.startTimeUnixNano : 0n;
      a.calls++;
      if (r.statusCode === 2) a.errors++;
      a.sum += duration;
      a.counts[histogramIndex(boundsMs, duration)]!++;
    }
  }
  const out = new Map<string, RedTruthRow>();
  for (const [key, a] of acc) {
    out.set(key, { ...a.row, calls: String(a.calls), errors: String(a.errors), durationSumNano: a.sum.toString(), counts: a.counts.map(String) });
  }
  return out;
}

/** One service-graph edge in one bucket (bucket of the client span's start). */
export interface EdgeTruthRow {
  bucket: number;
  client: string;
  server: string;
  connectionType: string;
  calls: string;
  errors: string;
}

export const edgeKey = (e: Pick<EdgeTruthRow, 'bucket' | 'client' | 'server' | 'connectionType'>): string =>
  `${e.client}->${e.server}|${e.connectionType}@${e.bucket}`;

/** Edges of client/server and producer/consumer pairs across services (both halves in one message). */
export function edgeTruth(traces: readonly FixtureTrace[], bucketSeconds: number): Map<string, EdgeTruthRow> {
  const width = BigInt(bucketSeconds) * 1_000_000_000n;
  const acc = new Map<string, { row: Omit<EdgeTruthRow, 'calls' | 'errors'>; calls: number; errors: number }>();
  for (const trace of traces) {
    for (const server of trace.spans) {
      const kind = server.record.kind;
      if (kind !== 2 && kind !== 5) continue;
      const client = trace.spans.find((c) => c.record.spanId.equals(server.record.parentSpanId) && (c.record.kind === 3 || c.record.kind === 4));
      if (!client || client.service === server.service) continue;
      const bucket = Number((client.record.startTimeUnixNano / width) * width / 1_000_000_000n);
      const messaging = client.record.kind === 4 || kind === 5;
      const row = { bucket, client: client.service, server: server.service, connectionType: messaging ? 'messaging_system' : '' };
      const key = edgeKey(row);
      let a = acc.get(key);
      if (!a) {
        a = { row, calls: 0, errors: 0 };
        acc.set(key, a);
      }
      a.calls++;
      if (client.record.statusCode === 2 || server.record.statusCode === 2) a.errors++;
    }
  }
  return new Map([...acc].map(([k, a]) => [k, { ...a.row, calls: String(a.calls), errors: String(a.errors) }]));
}

/** Sum over all rows of a truth map (for readable totals in failure messages and reports). */
export function totalCalls(truth: Map<string, { calls: string }>): number {
  let n = 0;
  for (const r of truth.values()) n += Number(r.calls);
  return n;
}

/**
 * Test-only generator of a realistic, seeded message stream for one partition, and a fake
 * ClickHouse that deduplicates inserts by token and sums delta rows.
 */
import { mulberry32 } from '@tailstream/test-harness/random';
import { SpanKind, StatusCode, type SpanBatch } from '@tailstream/model';
import type { RedFlush } from '../rows';
import { batchOf, MS, SEC, T0, type TestSpan } from './spans';

/** Deterministic PRNG (mulberry32). */
export const prng = mulberry32;

export interface Message {
  offset: bigint;
  batch: SpanBatch;
}

export interface StreamOptions {
  seed: number;
  traces: number;
  /** Event time between consecutive traces (default 20 ms). */
  stepNs?: bigint;
  /** Probability a trace carries a straggler span started long ago (default 0.01). */
  stragglerRate?: number;
  firstOffset?: bigint;
}

const SERVICES = ['frontend', 'checkout', 'payments', 'inventory', 'shipping'];
const ROUTES = ['/cart', '/checkout', '/pay', '/stock', '/ship'];

/**
 * Traces of 3–6 spans: frontend SERVER root → CLIENT call → SERVER span in another service (and
 * sometimes a PRODUCER → CONSUMER hop and an unpaired DB CLIENT span). Each trace is split into up
 * to three messages that interleave with the next traces' messages, so pairs cross batches.
 */
export function generateStream(options: StreamOptions): Message[] {
  const rand = prng(options.seed);
  const step = options.stepNs ?? 20n * MS;
  const stragglerRate = options.stragglerRate ?? 0.01;
  const pending: { due: number; batch: SpanBatch }[] = [];
  const out: SpanBatch[] = [];
  let spanId = 1;
  for (let t = 0; t < options.traces; t++) {
    const start = T0 + BigInt(t) * step + BigInt(Math.floor(rand() * 5)) * MS;
    const callee = SERVICES[1 + Math.floor(rand() * (SERVICES.length - 1))] as string;
    const route = ROUTES[Math.floor(rand() * ROUTES.length)] as string;
    const error = rand() < 0.05;
    const rootId = spanId++;
    const clientId = spanId++;
    const serverDuration = BigInt(1 + Math.floor(rand() * 400)) * MS + BigInt(Math.floor(rand() * 1000));
    const spans: TestSpan[] = [
      {
        service: 'frontend',
        name: `GET ${route}`,
        kind: SpanKind.Server,
        start,
        duration: serverDuration + 10n * MS,
        spanId: rootId,
        status: error ? StatusCode.Error : StatusCode.Unset,
        attributes: { 'http.route': route, 'http.request.method': 'GET' },
      },
      {
        service: 'frontend',
        name: `POST ${callee}`,
        kind: SpanKind.Client,
        start: start + MS,
        duration: serverDuration + 2n * MS,
        spanId: clientId,
        parentSpanId: rootId,
        status: error ? StatusCode.Error : StatusCode.Unset,
      },
      {
        service: callee,
        name: `POST /${callee}`,
        kind: SpanKind.Server,
        start: start + 2n * MS,
        duration: serverDuration,
        spanId: spanId++,
        parentSpanId: clientId,
        status: error ? StatusCode.Error : StatusCode.Ok,
        attributes: { 'http.route': `/${callee}` },
      },
    ];
    if (rand() < 0.3) {
      spans.push({
        service: callee,
        name: 'SELECT orders',
        kind: SpanKind.Client,
        start: start + 3n * MS,
        duration: BigInt(1 + Math.floor(rand() * 20)) * MS,
        spanId: spanId++,
        parentSpanId: clientId,
      });
    }
    if (rand() < 0.2) {
      const producerId = spanId++;
      spans.push(
        { service: callee, name: 'orders publish', kind: SpanKind.Producer, start: start + 4n * MS, duration: 2n * MS, spanId: producerId },
        {
          service: 'shipping',
          name: 'orders process',
          kind: SpanKind.Consumer,
          start: start + 50n * MS,
          duration: BigInt(5 + Math.floor(rand() * 50)) * MS,
          spanId: spanId++,
          parentSpanId: producerId,
        },
      );
    }
    if (rand() < stragglerRate) {
      spans.push({ service: 'frontend', name: 'background sync', kind: SpanKind.Internal, start: start - 300n * SEC, duration: 5n * SEC, spanId: spanId++ });
    }
    // Split into up to three messages, delivered now or after the next one or two traces.
    const parts = 1 + Math.floor(rand() * 3);
    const order = spans.map((s) => ({ s, k: rand() })).sort((a, b) => a.k - b.k).map((x) => x.s);
    for (let p = 0; p < parts; p++) {
      const chunk = order.filter((_, i) => i % parts === p);
      if (chunk.length > 0) pending.push({ due: t + p, batch: batchOf(t + 1, chunk) });
    }
    for (let i = 0; i < pending.length; ) {
      if ((pending[i] as { due: number }).due <= t) out.push((pending.splice(i, 1)[0] as { batch: SpanBatch }).batch);
      else i++;
    }
  }
  for (const p of pending) out.push(p.batch);
  const first = options.firstOffset ?? 0n;
  return out.map((batch, i) => ({ offset: first + BigInt(i), batch }));
}

/** Sum of exact figures per key, for comparing deltas with ground truth. */
export interface Totals {
  calls: number;
  errors: number;
  durationSumNano: bigint;
  bucketCounts: number[];
}

function addTotals(map: Map<string, Totals>, key: string, t: Totals): void {
  const cur = map.get(key);
  if (cur === undefined) {
    map.set(key, { calls: t.calls, errors: t.errors, durationSumNano: t.durationSumNano, bucketCounts: [...t.bucketCounts] });
    return;
  }
  cur.calls += t.calls;
  cur.errors += t.errors;
  cur.durationSumNano += t.durationSumNano;
  t.bucketCounts.forEach((c, i) => (cur.bucketCounts[i] = (cur.bucketCounts[i] ?? 0) + c));
}

/** Key of a RED row without the late/overflow flags: bucket + dimensions. */
export function redKey(r: { bucketStartUnixNano: bigint; serviceName: string; spanName: string; spanKind: string; statusCode: string; dimensions: Readonly<Record<string, string>> }): string {
  return JSON.stringify([String(r.bucketStartUnixNano), r.serviceName, r.spanName, r.spanKind, r.statusCode, r.dimensions]);
}

/** Key of an edge row: bucket + client + server + connection type. */
export function edgeKey(e: { bucketStartUnixNano: bigint; clientService: string; serverService: string; connectionType: string }): string {
  return JSON.stringify([String(e.bucketStartUnixNano), e.clientService, e.serverService, e.connectionType]);
}

/** Sums rows (or edges) by key, like the ClickHouse table would after merges. */
export function sumBy<T extends Totals>(rows: Iterable<T>, key: (r: T) => string): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const r of rows) addTotals(out, key(r), r);
  return out;
}

/** A fake ClickHouse: inserts are deduplicated by token (like insert_deduplication_token). */
export class DedupSink {
  readonly inserted = new Map<string, RedFlush>();
  duplicates = 0;

  insert(flush: RedFlush): void {
    if (this.inserted.has(flush.dedupToken)) this.duplicates++;
    else this.inserted.set(flush.dedupToken, flush);
  }

  rows(): RedFlush['rows'] {
    return [...this.inserted.values()].flatMap((f) => f.rows);
  }

  edges(): RedFlush['edges'] {
    return [...this.inserted.values()].flatMap((f) => f.edges);
  }
}

/**
 * Expected RED totals computed directly from the spans (independently of the aggregator): per
 * bucket of span start, service, name, kind, status (no extra dimensions).
 */
export function groundTruth(messages: readonly Message[], bucketSeconds: number, boundsMs: readonly number[]): Map<string, Totals> {
  const width = BigInt(bucketSeconds) * SEC;
  const kinds = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
  const statuses = ['Unset', 'Ok', 'Error'];
  const out = new Map<string, Totals>();
  for (const { batch } of messages) {
    for (const span of batch.spans) {
      const bucketStart = (span.startTimeUnixNano / width) * width;
      const d = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
      const bucketCounts = new Array<number>(boundsMs.length + 1).fill(0);
      let i = 0;
      while (i < boundsMs.length && Number(d) > (boundsMs[i] as number) * 1e6) i++;
      bucketCounts[i] = 1;
      const key = redKey({
        bucketStartUnixNano: bucketStart,
        serviceName: batch.resources[span.resourceIndex]?.serviceName ?? '?',
        spanName: span.name,
        spanKind: kinds[span.kind] as string,
        statusCode: statuses[span.statusCode] as string,
        dimensions: {},
      });
      addTotals(out, key, { calls: 1, errors: span.statusCode === StatusCode.Error ? 1 : 0, durationSumNano: d, bucketCounts });
    }
  }
  return out;
}

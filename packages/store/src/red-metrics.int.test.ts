import { openTestClickHouse, type TestClickHouse } from '@tailstream/test-harness';
import {
  migrate,
  redMetricsRow,
  serviceGraphEdgeRow,
  jsonEachRow,
  RED_METRICS_INGEST_TABLE,
  SERVICE_GRAPH_EDGES_INGEST_TABLE,
  type RedMetricsRowInput,
} from './index';

const BUCKET = 1_704_067_260; // 2024-01-01 00:01:00 UTC
const BOUNDS = [2, 5, 10, 100];

/** Histogram counts of `values` (ms) over BOUNDS (upper bounds inclusive, last bucket +Inf). */
function histogram(values: number[]): number[] {
  const counts = new Array<number>(BOUNDS.length + 1).fill(0);
  for (const v of values) {
    const i = BOUNDS.findIndex((b) => v <= b);
    counts[i === -1 ? BOUNDS.length : i]!++;
  }
  return counts;
}

function delta(values: number[], errors: number, over: Partial<RedMetricsRowInput> = {}): RedMetricsRowInput {
  return {
    bucketStartUnixSec: BUCKET,
    bucketSeconds: 60,
    serviceName: 'checkout',
    spanName: 'POST /pay',
    spanKind: 'Server',
    statusCode: 'Unset',
    dimensions: { 'http.route': '/pay', 'deployment.environment': 'prod' },
    calls: values.length,
    errors,
    durationSumNano: BigInt(Math.round(values.reduce((a, b) => a + b, 0) * 1e6)),
    bucketBoundsMs: BOUNDS,
    bucketCounts: histogram(values),
    durationValuesMs: values,
    ...over,
  };
}

function exactQuantile(sorted: number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

describe('red_metrics: delta rows merge to exact totals and mergeable quantiles', () => {
  let t: TestClickHouse;
  // Two deltas for the SAME key: the on-time flush and a late one. Dimension keys given in another
  // order in the late row: still the same series.
  const early = Array.from({ length: 60 }, (_, i) => 1 + i * 0.5); // 1 .. 30.5 ms
  const late = [0.5, 3, 7, 42, 250, 900];
  const all = [...early, ...late].sort((a, b) => a - b);

  beforeAll(async () => {
    t = await openTestClickHouse('store_red');
    await migrate(t.ch, { database: t.database, ttlDays: 0 });
    await t.ch.insertJsonEachRow(RED_METRICS_INGEST_TABLE, jsonEachRow([redMetricsRow(delta(early, 2))]), {
      dedupToken: 'red-p0-0-99',
    });
    const lateRow = delta(late, 1, { dimensions: { 'deployment.environment': 'prod', 'http.route': '/pay' } });
    const other = delta([5, 6], 0, { spanName: 'GET /cart' });
    await t.ch.insertJsonEachRow(RED_METRICS_INGEST_TABLE, jsonEachRow([redMetricsRow(lateRow), redMetricsRow(other)]), {
      dedupToken: 'red-p0-100-199',
    });
  });
  afterAll(async () => {
    await t.close();
  });

  interface OperationRow {
    SpanName: string;
    Calls: string;
    Errors: string;
    RatePerSecond: number;
    ErrorRate: number;
    AvgDurationMs: number;
    P50Ms: number;
    P95Ms: number;
    P99Ms: number;
  }
  const readOperations = (): Promise<OperationRow[]> =>
    t.ch.query<OperationRow>(
      `SELECT SpanName, Calls, Errors, RatePerSecond, ErrorRate, AvgDurationMs, P50Ms, P95Ms, P99Ms
       FROM ${t.database}.red_by_operation_1m
       WHERE ServiceName = {svc:String} AND Minute = toDateTime({minute:UInt32})
       ORDER BY SpanName`,
      { svc: 'checkout', minute: BUCKET },
    );

  it('reads exact sums and quantiles of both deltas through red_by_operation_1m', async () => {
    const rows = await readOperations();
    expect(rows.map((r) => [r.SpanName, r.Calls, r.Errors])).toEqual([
      ['GET /cart', '2', '0'],
      ['POST /pay', '66', '3'],
    ]);
    const pay = rows[1]!;
    expect(pay.RatePerSecond).toBeCloseTo(66 / 60, 12);
    expect(pay.ErrorRate).toBeCloseTo(3 / 66, 12);
    expect(pay.AvgDurationMs).toBeCloseTo(all.reduce((a, b) => a + b, 0) / all.length, 6);

    // The merged state gives the same quantiles as one t-digest over all raw values ...
    const [direct] = await t.ch.query<{ q: number[] }>(
      `SELECT quantilesTDigest(0.5, 0.95, 0.99)(v) AS q FROM (SELECT arrayJoin({values:Array(Float64)}) AS v)`,
      { values: all },
    );
    expect([pay.P50Ms, pay.P95Ms, pay.P99Ms]).toEqual(direct!.q);
    // ... which is close to the exact quantiles (t-digest: small error near the median, exact-ish tails).
    expect(pay.P50Ms).toBeCloseTo(exactQuantile(all, 0.5), 0);
    expect(pay.P99Ms).toBeGreaterThan(250);
  });

  it('keeps the merged row exact after ClickHouse merges the parts', async () => {
    await t.ch.command(`OPTIMIZE TABLE ${t.database}.red_metrics FINAL`);
    const raw = await t.ch.query<{ parts: string; rows: string; counts: string[]; bounds: number[] }>(
      `SELECT count() AS rows, toString(sum(Calls)) AS calls, sumForEachMerge(BucketCounts) AS counts, any(BucketBounds) AS bounds
       FROM ${t.database}.red_metrics WHERE SpanName = 'POST /pay'`,
    );
    expect(raw[0]).toMatchObject({ rows: '1', counts: histogram(all).map(String), bounds: BOUNDS });
    const rows = await readOperations();
    expect(rows[1]).toMatchObject({ Calls: '66', Errors: '3' });
  });

  it('does not double-count a replayed delta (same dedup token)', async () => {
    await t.ch.insertJsonEachRow(RED_METRICS_INGEST_TABLE, jsonEachRow([redMetricsRow(delta(early, 2))]), {
      dedupToken: 'red-p0-0-99',
    });
    const rows = await readOperations();
    expect(rows[1]).toMatchObject({ Calls: '66', Errors: '3' });
  });

  it('aggregates per service and kind in red_by_service_1m', async () => {
    const rows = await t.ch.query(
      `SELECT ServiceName, SpanKind, Calls, Errors FROM ${t.database}.red_by_service_1m WHERE Minute = toDateTime({m:UInt32})`,
      { m: BUCKET },
    );
    expect(rows).toEqual([{ ServiceName: 'checkout', SpanKind: 'Server', Calls: '68', Errors: '3' }]);
  });

  it('feeds weighted values (e.g. digest centroids) into the quantile state', async () => {
    const weighted = delta([10, 20], 0, { spanName: 'weighted', calls: 4, durationWeights: [3, 1] });
    await t.ch.insertJsonEachRow(RED_METRICS_INGEST_TABLE, redMetricsRow(weighted), { dedupToken: 'weighted' });
    const [row] = await t.ch.query<{ P50Ms: number; Calls: string }>(
      `SELECT P50Ms, Calls FROM ${t.database}.red_by_operation_1m WHERE SpanName = 'weighted'`,
    );
    const [direct] = await t.ch.query<{ q: number }>(
      `SELECT quantileTDigestWeighted(0.5)(v, w) AS q FROM (SELECT arrayJoin([(10, 3), (20, 1)]) AS p, p.1 AS v, toUInt64(p.2) AS w)`,
    );
    expect(row).toEqual({ P50Ms: direct!.q, Calls: '4' });
    // The weight pulls the median towards 10 (unweighted, two values would give 15).
    expect(row!.P50Ms).toBeLessThan(15);
  });
});

describe('service_graph_edges', () => {
  let t: TestClickHouse;
  beforeAll(async () => {
    t = await openTestClickHouse('store_graph');
    await migrate(t.ch, { database: t.database, ttlDays: 0 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('merges edge deltas and serves service_graph_1m', async () => {
    const edge = (values: number[], errors: number) => ({
      bucketStartUnixSec: BUCKET,
      bucketSeconds: 30,
      clientService: 'frontend',
      serverService: 'checkout',
      connectionType: '',
      calls: values.length,
      errors,
      durationSumNano: BigInt(values.reduce((a, b) => a + b, 0) * 1_000_000),
      bucketBoundsMs: BOUNDS,
      bucketCounts: histogram(values),
      durationValuesMs: values,
    });
    await t.ch.insertJsonEachRow(SERVICE_GRAPH_EDGES_INGEST_TABLE, serviceGraphEdgeRow(edge([4, 8], 1)), { dedupToken: 'e1' });
    await t.ch.insertJsonEachRow(SERVICE_GRAPH_EDGES_INGEST_TABLE, serviceGraphEdgeRow(edge([12], 0)), { dedupToken: 'e2' });
    await t.ch.insertJsonEachRow(SERVICE_GRAPH_EDGES_INGEST_TABLE, serviceGraphEdgeRow(edge([12], 0)), { dedupToken: 'e2' });
    const rows = await t.ch.query(
      `SELECT ClientService, ServerService, ConnectionType, Calls, Errors, RatePerSecond, AvgDurationMs
       FROM ${t.database}.service_graph_1m`,
    );
    expect(rows).toEqual([
      {
        ClientService: 'frontend',
        ServerService: 'checkout',
        ConnectionType: '',
        Calls: '3',
        Errors: '1',
        RatePerSecond: 0.05,
        AvgDurationMs: 8,
      },
    ]);
  });
});

import { SpanKind } from '@tailstream/model';
import { RedAggregator } from './red-aggregator';
import { batchOf, MS, T0 } from './test-support/spans';

describe('bounded memory', () => {
  it('holds at most maxOpenRows (+ one message) rows and maxPendingHalves halves, whatever the input', () => {
    const config = { maxOpenRows: 500, maxSeriesPerService: 200, serviceGraph: { maxPendingHalves: 300, pairingTtlSeconds: 3600 } };
    const agg = new RedAggregator(config);
    const spansPerMessage = 10;
    let maxRows = 0;
    let maxPending = 0;
    let rowsOut = 0;
    const reasons = new Set<string>();
    for (let m = 0; m < 2000; m++) {
      // Every span a new series (unique name), all in one bucket (the watermark never closes it),
      // and an unpaired CLIENT half.
      const spans = Array.from({ length: spansPerMessage }, (_, i) => ({
        service: `svc${i % 4}`,
        name: `GET /item/${m}-${i}`,
        kind: SpanKind.Client,
        start: T0 + BigInt(m) * 1000n + BigInt(i) * MS,
      }));
      agg.add(0, BigInt(m), batchOf(m + 1, spans));
      for (const f of agg.flushReady(0)) {
        reasons.add(f.reason);
        rowsOut += f.rows.length;
      }
      const state = agg.partitionState(0);
      maxRows = Math.max(maxRows, state?.openRows ?? 0);
      maxPending = Math.max(maxPending, state?.pendingHalves ?? 0);
    }
    rowsOut += agg.flushAll(0).reduce((n, f) => n + f.rows.length, 0);
    expect(reasons).toEqual(new Set(['max-open-rows']));
    expect(maxRows).toBeLessThan(config.maxOpenRows + spansPerMessage);
    expect(maxRows).toBeGreaterThanOrEqual(config.maxOpenRows - spansPerMessage);
    expect(maxPending).toBe(config.serviceGraph.maxPendingHalves);
    expect(agg.stats).toMatchObject({ spans: 20_000, evictedHalves: 20_000 - 300, droppedHalves: 300 });
    // Every span was counted exactly once, in some row.
    expect(rowsOut).toBe(agg.stats.rowsEmitted);
  });

  it('keeps a row small: the quantile sketch is bounded by sketchMaxBins whatever the spread', () => {
    const agg = new RedAggregator({ sketchMaxBins: 128 });
    const durations = Array.from({ length: 5000 }, (_, i) => BigInt(1 + i * i * 997)); // 1 ns .. ~25 s
    agg.add(0, 0n, batchOf(1, durations.map((duration) => ({ duration }))));
    const [row] = agg.flushAll(0).flatMap((f) => f.rows);
    expect(row?.calls).toBe(5000);
    expect(row?.durationWeights.reduce((a, b) => a + b, 0)).toBe(5000);
    expect(row?.durationValuesMs.length).toBeLessThanOrEqual(128);
  });
});

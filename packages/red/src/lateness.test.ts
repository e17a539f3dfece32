import { RedAggregator } from './red-aggregator';
import type { RedFlush, RedRow } from './rows';
import { batchOf, SEC, T0 } from './test-support/spans';
import { generateStream, groundTruth, redKey, sumBy } from './test-support/stream';

/** Bucket (seconds after T0), calls and late flag of each row. */
function view(rows: RedRow[]): [number, number, boolean][] {
  return rows.map((r) => [Number((r.bucketStartUnixNano - T0) / SEC), r.calls, r.late]);
}

describe('event time, watermark and lateness', () => {
  // 60 s buckets, watermark = latest start − 60 s.
  const config = { bucketSeconds: 60, allowedLatenessSeconds: 60 };

  it('closes a bucket once the watermark passes its end, and counts later spans as a late delta row', () => {
    const agg = new RedAggregator(config);
    const at = (s: bigint) => batchOf(1, [{ start: T0 + s * SEC }]);

    agg.add(0, 0n, at(10n)); // bucket 0
    expect(agg.flushReady(0)).toEqual([]);
    expect(agg.partitionState(0)?.watermarkNs).toBe(T0 - 50n * SEC);

    agg.add(0, 1n, at(130n)); // bucket 120; watermark 70 s closes bucket 0
    const [first, ...none] = agg.flushReady(0);
    expect(none).toEqual([]);
    expect(first).toMatchObject({ fromOffset: 0n, toOffset: 1n, reason: 'watermark', endsEpoch: false, commitOffset: 0n });
    expect(view((first as RedFlush).rows)).toEqual([[0, 1, false]]);

    agg.add(0, 2n, at(20n)); // bucket 0 again: already emitted → late
    agg.add(0, 3n, at(30n)); // late too, same late row
    expect(agg.flushReady(0)).toEqual([]);
    expect(agg.partitionState(0)?.openRows).toBe(2); // bucket 120 + the late row of bucket 0

    agg.add(0, 4n, at(250n)); // watermark 190 s closes bucket 120
    const [second] = agg.flushReady(0);
    expect(second).toMatchObject({ fromOffset: 2n, toOffset: 4n, reason: 'watermark' });
    expect(view((second as RedFlush).rows)).toEqual([
      [120, 1, false],
      [0, 2, true],
    ]);

    const [last] = agg.flushAll(0);
    expect(view((last as RedFlush).rows)).toEqual([[240, 1, false]]);
    expect(agg.stats).toMatchObject({ spans: 5, lateSpans: 2, lateRowsEmitted: 1, rowsEmitted: 4 });
  });

  it('does not mark late a span whose bucket closes at the end of its own message', () => {
    const agg = new RedAggregator(config);
    agg.add(0, 0n, batchOf(1, [{ start: T0 + 5n * SEC }, { start: T0 + 200n * SEC }]));
    const [f] = agg.flushReady(0);
    expect(view((f as RedFlush).rows)).toEqual([[0, 1, false]]);
    expect(agg.stats.lateSpans).toBe(0);
  });

  it('treats a span for a closed bucket that never had rows as late', () => {
    const agg = new RedAggregator(config);
    agg.add(0, 0n, batchOf(1, [{ start: T0 + 300n * SEC }])); // watermark 240 s
    agg.add(0, 1n, batchOf(2, [{ start: T0 + 100n * SEC }])); // bucket 60 < 240: late
    const rows = agg.flushAll(0).flatMap((f) => f.rows);
    expect(view(rows)).toEqual([
      [300, 1, false],
      [60, 1, true],
    ]);
  });

  it('with zero lateness closes a bucket as soon as a span starts in the next one', () => {
    const agg = new RedAggregator({ bucketSeconds: 60, allowedLatenessSeconds: 0 });
    agg.add(0, 0n, batchOf(1, [{ start: T0 + 59n * SEC }]));
    expect(agg.flushReady(0)).toEqual([]);
    agg.add(0, 1n, batchOf(2, [{ start: T0 + 60n * SEC }]));
    expect(view(agg.flushReady(0).flatMap((f) => f.rows))).toEqual([[0, 1, false]]);
  });

  it('ends the epoch after epochMaxMessages: everything is flushed and the commit point moves', () => {
    const agg = new RedAggregator({ ...config, epochMaxMessages: 3 });
    for (let i = 0; i < 3; i++) agg.add(0, BigInt(i), batchOf(i + 1, [{ start: T0 + BigInt(i) * SEC }]));
    const [f] = agg.flushReady(0);
    expect(f).toMatchObject({ fromOffset: 0n, toOffset: 2n, reason: 'epoch-messages', endsEpoch: true, commitOffset: 3n });
    expect(view((f as RedFlush).rows)).toEqual([[0, 3, false]]);
    // The new epoch starts with an unset watermark: the same (still open) bucket gets a further delta row.
    agg.add(0, 3n, batchOf(9, [{ start: T0 + 4n * SEC }]));
    expect(agg.partitionState(0)).toMatchObject({ epochStart: 3n, watermarkNs: T0 - 56n * SEC });
    expect(view(agg.flushAll(0).flatMap((x) => x.rows))).toEqual([[0, 1, false]]);
  });

  it('ends the epoch early when maxOpenRows rows are held', () => {
    const agg = new RedAggregator({ ...config, maxOpenRows: 3 });
    agg.add(0, 0n, batchOf(1, [{ name: 'a' }, { name: 'b' }]));
    expect(agg.flushReady(0)).toEqual([]);
    agg.add(0, 1n, batchOf(2, [{ name: 'c' }]));
    const [f] = agg.flushReady(0);
    expect(f).toMatchObject({ reason: 'max-open-rows', endsEpoch: true, commitOffset: 2n });
    expect(f?.rows).toHaveLength(3);
    expect(agg.partitionState(0)?.openRows).toBe(0);
  });

  it('keeps totals exact whatever the lateness: summed delta rows equal the ground truth', () => {
    const messages = generateStream({ seed: 11, traces: 1500, stragglerRate: 0.05 });
    for (const cfg of [
      { bucketSeconds: 5, allowedLatenessSeconds: 0, epochMaxMessages: 400 },
      { bucketSeconds: 5, allowedLatenessSeconds: 5, epochMaxMessages: 1_000_000 },
      { bucketSeconds: 10, allowedLatenessSeconds: 30, maxOpenRows: 50 },
    ]) {
      const agg = new RedAggregator({ ...cfg, serviceGraph: { enabled: false } });
      const rows: RedRow[] = [];
      for (const m of messages) {
        agg.add(0, m.offset, m.batch);
        rows.push(...agg.flushReady(0).flatMap((f) => f.rows));
      }
      rows.push(...agg.flushAll(0).flatMap((f) => f.rows));
      expect(agg.stats.lateSpans).toBeGreaterThan(0);
      expect(rows.some((r) => r.late)).toBe(true);
      expect(sumBy(rows, redKey)).toEqual(groundTruth(messages, cfg.bucketSeconds, agg.config.histogramBoundsMs));
    }
  });
});

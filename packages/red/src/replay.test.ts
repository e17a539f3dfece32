import { RedAggregator } from './red-aggregator';
import type { RedConfig } from './config';
import type { RedFlush } from './rows';
import { DedupSink, edgeKey, generateStream, groundTruth, redKey, sumBy, type Message } from './test-support/stream';

// ~2 messages per trace, 20 ms of event time per trace: an epoch spans ~5 s, several buckets close
// by watermark inside each epoch.
const BUCKET_SECONDS = 1;
const CONFIG: RedConfig = {
  bucketSeconds: BUCKET_SECONDS,
  allowedLatenessSeconds: 1,
  epochMaxMessages: 500,
  serviceGraph: { pairingTtlSeconds: 2 },
};
const messages = generateStream({ seed: 2024, traces: 1600, stragglerRate: 0.03 });

/** Runs messages[from..] of partition 0 through a fresh aggregator resumed at `resumeAt`. */
function consume(
  stream: readonly Message[],
  resumeAt: bigint,
  onFlush: (f: RedFlush) => void,
  stopBefore = stream.length,
  config = CONFIG,
): RedAggregator {
  const agg = new RedAggregator(config);
  agg.resume(0, resumeAt);
  for (const m of stream) {
    if (m.offset < resumeAt) continue;
    if (Number(m.offset) >= stopBefore) return agg;
    agg.add(0, m.offset, m.batch);
    agg.flushReady(0).forEach(onFlush);
  }
  agg.flushAll(0).forEach(onFlush);
  return agg;
}

describe('replay determinism', () => {
  const reference: RedFlush[] = [];
  const referenceAgg = consume(messages, 0n, (f) => reference.push(f));

  it('the reference run exercises watermark flushes, epochs, late rows and held-back commits', () => {
    const reasons = new Set(reference.map((f) => f.reason));
    expect([...reasons].sort()).toEqual(['epoch-messages', 'flush-all', 'watermark']);
    expect(referenceAgg.stats.lateSpans).toBeGreaterThan(0);
    expect(referenceAgg.stats.pairs).toBeGreaterThan(1000);
    expect(reference.some((f) => f.endsEpoch && f.commitOffset < f.toOffset + 1n)).toBe(true);
    // Flush ranges are contiguous, tokens unique, commit offsets never decrease.
    reference.forEach((f, i) => {
      if (i > 0) {
        expect(f.fromOffset).toBe((reference[i - 1] as RedFlush).toOffset + 1n);
        expect(f.commitOffset).toBeGreaterThanOrEqual((reference[i - 1] as RedFlush).commitOffset);
      }
    });
    expect(new Set(reference.map((f) => f.dedupToken)).size).toBe(reference.length);
  });

  it('the same input gives identical flushes: rows, edges, ranges and tokens', () => {
    const again: RedFlush[] = [];
    consume(messages, 0n, (f) => again.push(f));
    expect(again).toEqual(reference);
  });

  it.each([
    ['the test configuration', CONFIG],
    ['a tight cardinality limit (overflow series in play)', { ...CONFIG, maxSeriesPerService: 3 }],
  ])('restarting at ANY commit point reproduces the following flushes (state there is empty): %s', (_label, config) => {
    const full: RedFlush[] = [];
    const agg = consume(messages, 0n, (f) => full.push(f), messages.length, config);
    if (config.maxSeriesPerService !== undefined) expect(agg.stats.overflowSpans).toBeGreaterThan(100);
    const commitPoints = [...new Set(full.map((f) => f.commitOffset))].filter((c) => c > 0n);
    expect(commitPoints.length).toBeGreaterThan(5);
    for (const start of commitPoints) {
      const stop = Number(start) + 1000;
      const replay: RedFlush[] = [];
      consume(messages, start, (f) => replay.push(f), stop, config);
      const expected = full.filter((f) => f.fromOffset >= start && f.toOffset < BigInt(stop) - 1n);
      expect(replay.slice(0, expected.length).map((f) => [f.dedupToken, f.reason, f.rows])).toEqual(
        expected.map((f) => [f.dedupToken, f.reason, f.rows]),
      );
    }
  });

  it('RED totals of the reference run equal the ground truth', () => {
    const rows = reference.flatMap((f) => f.rows);
    expect(sumBy(rows, redKey)).toEqual(groundTruth(messages, BUCKET_SECONDS, referenceAgg.config.histogramBoundsMs));
  });

  // Crash scenarios: the worker inserts every flush (acknowledged), commits the commitOffset of
  // every `commitEvery`-th flush only, then dies before message `crashAt`. A new worker resumes at
  // the committed offset; ClickHouse drops inserts whose token it has seen.
  it.each([
    [700, 1],
    [1234, 3],
    [2600, 2],
    [2999, 5],
    [Number.MAX_SAFE_INTEGER, 4], // dies after its last insert, before the final commit
  ])('crash before message %i (commit every %i flushes) → no duplicate and no missing count', (crashAt, commitEvery) => {
    const sink = new DedupSink();
    const firstRun: RedFlush[] = [];
    let committed = 0n;
    let committedAt = -1; // index in firstRun of the flush whose commitOffset was committed
    consume(
      messages,
      0n,
      (f) => {
        sink.insert(f);
        firstRun.push(f);
        if (firstRun.length % commitEvery === 0) {
          committed = f.commitOffset;
          committedAt = firstRun.length - 1;
        }
      },
      crashAt,
    );

    const secondRun: RedFlush[] = [];
    consume(messages, committed, (f) => {
      sink.insert(f);
      secondRun.push(f);
    });

    // Exactly-once totals for RED, and the same edges as the uninterrupted run.
    expect(sumBy(sink.rows(), redKey)).toEqual(groundTruth(messages, BUCKET_SECONDS, referenceAgg.config.histogramBoundsMs));
    expect(sumBy(sink.edges(), edgeKey)).toEqual(sumBy(reference.flatMap((f) => f.edges), edgeKey));

    // Every flush of the first run past the commit point was re-cut at the same offsets with the
    // same token and the same RED rows, and ClickHouse dropped it.
    const uncommitted = firstRun.filter((f) => f.fromOffset >= committed);
    if (crashAt < Number.MAX_SAFE_INTEGER) expect(uncommitted.length).toBeGreaterThan(0);
    expect(sink.duplicates).toBe(uncommitted.length);
    for (const original of uncommitted) {
      const again = secondRun.find((f) => f.dedupToken === original.dedupToken) as RedFlush;
      expect([again.fromOffset, again.toOffset, again.reason]).toEqual([original.fromOffset, original.toOffset, original.reason]);
      expect(again.rows).toEqual(original.rows);
    }

    // The replay matches the reference run flush for flush. Up to the flush whose commit offset
    // was committed (those were all inserted already), edges and commit offsets may differ: pairs
    // with halves older than the commit point are missing from the replay. After it, edges are
    // identical and commit offsets may only lag (a half whose partner predates the commit point
    // waits until it expires), never lead.
    const fromCommit = reference.filter((f) => f.fromOffset >= committed);
    expect(secondRun.length).toBe(fromCommit.length);
    const lastCommittedFlush = firstRun[committedAt];
    secondRun.forEach((f, i) => {
      const ref = fromCommit[i] as RedFlush;
      expect({ ...f, edges: [], commitOffset: 0n }).toEqual({ ...ref, edges: [], commitOffset: 0n });
      if (lastCommittedFlush === undefined || f.fromOffset > lastCommittedFlush.toOffset) {
        expect(f.edges).toEqual(ref.edges);
        expect(f.commitOffset).toBeLessThanOrEqual(ref.commitOffset);
      }
    });
    expect(secondRun.slice(-2)).toEqual(fromCommit.slice(-2));
  });
});

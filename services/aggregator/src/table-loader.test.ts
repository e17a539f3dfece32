import type { KafkaMessage } from 'kafkajs';
import { BATCH_CUT_MARK, parseBatchCut, TableLoader, type LoaderLimits } from './table-loader';
import { fakeDeadLetters, FakeClickHouse, liveContext, message, metricValue, recordingCommit, unitDeps, type Event } from './test-support/fakes';

const TOPIC = 'p.spans.sampled';

/** Each message value is `rows:<n>` (n JSON lines), `bad:<n>` (lines ClickHouse refuses) or `poison` (the mapper throws). */
function rowsOf(m: KafkaMessage): string[] {
  const text = m.value?.toString() ?? '';
  if (text === 'poison') throw new Error('cannot decode');
  const n = Number(text.split(':')[1]);
  return Array.from({ length: n }, (_, i) => JSON.stringify({ offset: m.offset, i, bad: text.startsWith('bad') }));
}

function setUp(limits: Partial<LoaderLimits> = {}, committed?: { offset: bigint; metadata: string | null }) {
  const events: Event[] = [];
  const ch = new FakeClickHouse(events);
  const { registry, metrics, logger } = unitDeps();
  const dlq = fakeDeadLetters();
  const loader = new TableLoader('otel_traces', ch, rowsOf, { maxRows: 4, maxBytes: 1 << 20, maxDelayMs: 60_000, ...limits }, {
    metrics,
    logger,
    retry: { initialMs: 1, maxMs: 2 },
    deadLetters: dlq.writer,
    committed: async () => committed,
    commit: recordingCommit(events),
  });
  return { events, ch, registry, loader, letters: dlq.letters };
}

const batch = (partition: number, messages: KafkaMessage[]) => ({ topic: TOPIC, partition, messages, highWatermark: String(Number(messages.at(-1)?.offset ?? -1) + 1) });
const summary = (events: Event[]) =>
  events.map((e) => (e.kind === 'insert' ? `insert ${e.token} ${e.lines.length}` : `commit ${e.offset}${e.metadata ? ` ${e.metadata}` : ''}`));

afterEach(() => jest.restoreAllMocks());

describe('TableLoader', () => {
  it('cuts by size at the first message boundary past maxRows and commits only after the insert', async () => {
    const { events, loader } = setUp();
    await loader.handleBatch(batch(3, [message(0, 'rows:2'), message(1, 'rows:3'), message(2, 'rows:1')]), liveContext);
    expect(summary(events)).toEqual([`insert otel_traces:${TOPIC}:3:0-1 5`, 'commit 2']);
  });

  it('takes records read again from the last commit (kafkajs after a rebalance that keeps the partition) once', async () => {
    const { events, loader } = setUp();
    await loader.handleBatch(batch(3, [message(0, 'rows:1'), message(1, 'rows:1')]), liveContext);
    expect(events).toEqual([]);
    // the same records again from the commit (none yet: offset 0), then new ones
    await loader.handleBatch(batch(3, [message(0, 'rows:1'), message(1, 'rows:1'), message(2, 'rows:1'), message(3, 'rows:2')]), liveContext);
    expect(summary(events)).toEqual([`insert otel_traces:${TOPIC}:3:0-3 5`, 'commit 4']);
    const inserted = events.flatMap((e) => (e.kind === 'insert' ? e.lines.map((l) => JSON.parse(l) as { offset: string; i: number }) : []));
    expect(inserted.map((r) => `${r.offset}.${r.i}`)).toEqual(['0.0', '1.0', '2.0', '3.0', '3.1']);
  });

  it('records a time cut in the commit metadata before inserting it, then commits past it', async () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const { events, loader } = setUp({ maxDelayMs: 500 });
    await loader.handleBatch(batch(0, [message(7, 'rows:1'), message(8, 'rows:1')]), liveContext);
    expect(events).toEqual([]);
    now += 500;
    await loader.flushDue();
    expect(summary(events)).toEqual([`commit 7 ${BATCH_CUT_MARK}8`, `insert otel_traces:${TOPIC}:0:7-8 2`, 'commit 9']);
  });

  it('repeats a recorded time cut on replay, even when more records arrived since, and does not cut by time before it', async () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const { events, loader } = setUp({ maxDelayMs: 500 }, { offset: 7n, metadata: `${BATCH_CUT_MARK}9` });
    await loader.onAssigned(TOPIC, 0);
    await loader.handleBatch(batch(0, [message(7, 'rows:1'), message(8, 'rows:1')]), liveContext);
    now += 10_000;
    await loader.flushDue(); // a replay waits for its cut offset instead of cutting by time
    expect(events).toEqual([]);
    await loader.handleBatch(batch(0, [message(9, 'rows:1'), message(10, 'rows:1'), message(11, 'rows:1')]), liveContext);
    // Same range and token as the original run's time-cut batch; offsets 10-11 wait for their own cut.
    expect(summary(events)).toEqual([`insert otel_traces:${TOPIC}:0:7-9 3`, 'commit 10']);
    await loader.flushAll();
    expect(summary(events).slice(2)).toEqual([`commit 10 ${BATCH_CUT_MARK}11`, `insert otel_traces:${TOPIC}:0:10-11 2`, 'commit 12']);
  });

  it('leaves a replay short of its recorded cut uncommitted at shutdown', async () => {
    const { events, loader } = setUp({}, { offset: 7n, metadata: `${BATCH_CUT_MARK}9` });
    await loader.onAssigned(TOPIC, 0);
    await loader.handleBatch(batch(0, [message(7, 'rows:1'), message(8, 'rows:1')]), liveContext);
    await loader.flushAll();
    expect(events).toEqual([]);
  });

  it('cuts before the first record past a recorded cut whose offset no longer exists', async () => {
    const { events, loader } = setUp({}, { offset: 5n, metadata: `${BATCH_CUT_MARK}6` });
    await loader.onAssigned(TOPIC, 0);
    await loader.handleBatch(batch(0, [message(5, 'rows:1'), message(8, 'rows:1'), message(9, 'rows:3')]), liveContext);
    expect(summary(events)).toEqual([`insert otel_traces:${TOPIC}:0:5-5 1`, 'commit 6', `insert otel_traces:${TOPIC}:0:8-9 4`, 'commit 10']);
  });

  it('ignores commit metadata that is not a cut mark, or a mark behind the committed offset', async () => {
    for (const metadata of [null, 'replay-mark:4', `${BATCH_CUT_MARK}3`, `${BATCH_CUT_MARK}x`]) {
      const { events, loader } = setUp({}, { offset: 5n, metadata });
      await loader.onAssigned(TOPIC, 0);
      await loader.handleBatch(batch(0, [message(5, 'rows:2'), message(6, 'rows:2')]), liveContext);
      expect(summary(events)).toEqual([`insert otel_traces:${TOPIC}:0:5-6 4`, 'commit 7']);
    }
    expect([parseBatchCut('batch-cut:12'), parseBatchCut('batch-cut:'), parseBatchCut('batch-cut:-1'), parseBatchCut(undefined)]).toEqual([12n, undefined, undefined, undefined]);
  });

  it('retries a retryable failure with the same token, counting the batch in flight as buffered and committing once it lands', async () => {
    const { events, ch, registry, loader } = setUp();
    const bufferedAtAttempt: Promise<number>[] = [];
    ch.onAttempt = () => bufferedAtAttempt.push(metricValue(registry, 'tailstream_aggregator_rows_buffered', { table: 'otel_traces' }));
    ch.failNext(2);
    await loader.handleBatch(batch(1, [message(0, 'rows:2'), message(1, 'rows:2')]), liveContext);
    expect(ch.attempts.map((a) => a.token)).toEqual(Array(3).fill(`otel_traces:${TOPIC}:1:0-1`));
    expect(await Promise.all(bufferedAtAttempt)).toEqual([4, 4, 4]);
    expect(summary(events)).toEqual([`insert otel_traces:${TOPIC}:1:0-1 4`, 'commit 2']);
    expect(await metricValue(registry, 'tailstream_aggregator_insert_failures_total', { table: 'otel_traces' })).toBe(2);
    expect(await metricValue(registry, 'tailstream_aggregator_rows_buffered', { table: 'otel_traces' })).toBe(0);
    expect(await metricValue(registry, 'tailstream_aggregator_rows_inserted_total', { table: 'otel_traces' })).toBe(4);
  });

  it('dead-letters an undecodable record and moves past it', async () => {
    const { events, loader, letters } = setUp();
    await loader.handleBatch(batch(0, [message(0, 'rows:2'), message(1, 'poison'), message(2, 'rows:2')]), liveContext);
    expect(letters.map((l) => [l.sourceTopic, l.sourcePartition, l.sourceOffset, l.reason])).toEqual([[TOPIC, 0, '1', 'undecodable_record']]);
    expect(summary(events)).toEqual([`insert otel_traces:${TOPIC}:0:0-2 4`, 'commit 3']);
  });

  it('isolates records ClickHouse refuses: inserts the others message by message and dead-letters the refused one', async () => {
    const { events, ch, loader, letters } = setUp();
    ch.rejectLinesMatching(/"bad":true/);
    await loader.handleBatch(batch(0, [message(0, 'rows:2'), message(1, 'bad:1'), message(2, 'rows:2')]), liveContext);
    const token = `otel_traces:${TOPIC}:0:0-2`;
    expect(summary(events)).toEqual([`insert ${token}:m0 2`, `insert ${token}:m2 2`, 'commit 3']);
    expect(letters.map((l) => [l.sourceOffset, l.reason])).toEqual([['1', 'rejected_by_clickhouse']]);
  });

  it('does not pile up timer flushes while an insert waits', async () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const { events, ch, loader } = setUp({ maxDelayMs: 10 });
    await loader.handleBatch(batch(0, [message(0, 'rows:1')]), liveContext);
    now += 10;
    const release = ch.hold();
    const first = loader.flushDue();
    await new Promise((resolve) => setImmediate(resolve));
    await loader.flushDue(); // returns at once: the first round is still waiting
    expect(ch.attempts).toHaveLength(1);
    release();
    await first;
    expect(summary(events)).toEqual([`commit 0 ${BATCH_CUT_MARK}0`, `insert otel_traces:${TOPIC}:0:0-0 1`, 'commit 1']);
  });

  it('drops uncommitted rows of a revoked partition (the next owner replays them)', async () => {
    const { events, registry, loader } = setUp();
    await loader.handleBatch(batch(0, [message(0, 'rows:1')]), liveContext);
    expect(await metricValue(registry, 'tailstream_aggregator_rows_buffered', { table: 'otel_traces' })).toBe(1);
    await loader.onRevoked(TOPIC, 0);
    await loader.flushAll();
    expect(events).toEqual([]);
    expect(await metricValue(registry, 'tailstream_aggregator_rows_buffered', { table: 'otel_traces' })).toBe(0);
  });
});

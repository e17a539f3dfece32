import { SCHEMA_HEADER, spanBatchCodec } from '@tailstream/avro';
import { RedAggregator } from '@tailstream/red';
import type { KafkaMessage } from 'kafkajs';
import { parseRedCut, RedPipeline, RED_CUT_MARK } from './red-pipeline';
import { fakeDeadLetters, FakeClickHouse, liveContext, message, metricValue, recordingCommit, unitDeps, type Event } from './test-support/fakes';
import { BASE_NS, makeTrace } from './test-support/fixtures';

const TOPIC = 'p.spans';
const codec = spanBatchCodec();

/** Message `offset` of partition 0: one trace of `spans` spans, 100 ms after the previous one (one bucket). */
function spanMessage(offset: number, spans = 4): KafkaMessage {
  const trace = makeTrace({ seed: 5, index: offset, startNs: BASE_NS + BigInt(offset) * 100_000_000n, partition: 0, spanCount: spans });
  return message(offset, codec.encode(trace.batches[0]!), codec.headers);
}

function setUp(options: { epochMaxMessages?: number; committed?: { offset: bigint; metadata: string | null } } = {}) {
  const events: Event[] = [];
  const seeks: bigint[] = [];
  const ch = new FakeClickHouse(events);
  const { registry, metrics, logger } = unitDeps();
  const dlq = fakeDeadLetters();
  const red = new RedAggregator({ bucketSeconds: 10, epochMaxMessages: options.epochMaxMessages ?? 1000 });
  const pipeline = new RedPipeline(red, ch, {
    metrics,
    logger,
    retry: { initialMs: 1, maxMs: 2 },
    deadLetters: dlq.writer,
    idleFlushMs: 0,
    committedOffset: async () => options.committed,
    commit: recordingCommit(events),
    seek: (_topic, _partition, offset) => void seeks.push(offset),
  });
  return { events, ch, registry, pipeline, letters: dlq.letters, seeks, red };
}

const batch = (messages: KafkaMessage[]) => ({ topic: TOPIC, partition: 0, messages, highWatermark: String(Number(messages.at(-1)?.offset ?? -1) + 1) });
const summary = (events: Event[]) =>
  events.map((e) => (e.kind === 'insert' ? `insert ${e.token}` : `commit ${e.offset}${e.metadata ? ` ${e.metadata}` : ''}`));

describe('RedPipeline', () => {
  it('records an idle cut in the commit metadata before inserting it, then commits past it', async () => {
    const { events, pipeline } = setUp();
    await pipeline.onAssigned(TOPIC, 0);
    await pipeline.handleBatch(batch([spanMessage(0), spanMessage(1), spanMessage(2)]), liveContext);
    expect(events).toEqual([]);
    await pipeline.flushIdle();
    expect(summary(events)).toEqual([
      `commit 0 ${RED_CUT_MARK}2`,
      `insert red:${TOPIC}:red:0:0-2`,
      `insert edges:${TOPIC}:red:0:0-2`,
      'commit 3',
    ]);
  });

  it('skips messages read again from the last commit (kafkajs keeping the partition over a rebalance), without rewinding', async () => {
    const once = setUp();
    await once.pipeline.onAssigned(TOPIC, 0);
    await once.pipeline.handleBatch(batch([0, 1, 2, 3, 4].map((o) => spanMessage(o))), liveContext);
    await once.pipeline.flushIdle();

    const again = setUp();
    await again.pipeline.onAssigned(TOPIC, 0);
    await again.pipeline.handleBatch(batch([0, 1, 2].map((o) => spanMessage(o))), liveContext);
    await again.pipeline.handleBatch(batch([0, 1, 2, 3, 4].map((o) => spanMessage(o))), liveContext);
    await again.pipeline.flushIdle();
    expect(again.seeks).toEqual([]);
    expect(summary(again.events)).toEqual(summary(once.events));
    expect(again.ch.inserts()).toEqual(once.ch.inserts());
  });

  it('repeats the recorded cut on replay, with more input behind it: same token, same rows', async () => {
    const original = setUp();
    await original.pipeline.onAssigned(TOPIC, 0);
    await original.pipeline.handleBatch(batch([0, 1, 2].map((o) => spanMessage(o))), liveContext);
    await original.pipeline.flushIdle();

    const replay = setUp({ committed: { offset: 0n, metadata: `${RED_CUT_MARK}2` } });
    await replay.pipeline.onAssigned(TOPIC, 0);
    await replay.pipeline.handleBatch(batch([0, 1, 2, 3, 4].map((o) => spanMessage(o))), liveContext);
    expect(summary(replay.events)).toEqual([`commit 0 ${RED_CUT_MARK}2`, `insert red:${TOPIC}:red:0:0-2`, `insert edges:${TOPIC}:red:0:0-2`, 'commit 3']);
    expect(replay.ch.inserts()).toEqual(original.ch.inserts());
    // Without the mark the replay would have cut elsewhere (a different token: counted twice).
    const unmarked = setUp({ committed: { offset: 0n, metadata: null } });
    await unmarked.pipeline.onAssigned(TOPIC, 0);
    await unmarked.pipeline.handleBatch(batch([0, 1, 2, 3, 4].map((o) => spanMessage(o))), liveContext);
    await unmarked.pipeline.flushIdle();
    expect(unmarked.ch.inserts()[0]?.token).toBe(`red:${TOPIC}:red:0:0-4`);
  });

  it('does not cut an idle or stopping partition elsewhere while its replay has not reached the recorded cut', async () => {
    const replay = setUp({ committed: { offset: 0n, metadata: `${RED_CUT_MARK}4` } });
    await replay.pipeline.onAssigned(TOPIC, 0);
    await replay.pipeline.handleBatch(batch([0, 1, 2].map((o) => spanMessage(o))), liveContext);
    await replay.pipeline.flushIdle();
    await replay.pipeline.flushAll();
    expect(replay.events).toEqual([]);
    await replay.pipeline.handleBatch(batch([3, 4].map((o) => spanMessage(o))), liveContext);
    expect(summary(replay.events)).toEqual([`commit 0 ${RED_CUT_MARK}4`, `insert red:${TOPIC}:red:0:0-4`, `insert edges:${TOPIC}:red:0:0-4`, 'commit 5']);
  });

  it('commits past an idle partition whose last epoch only held back unpaired service-graph halves', async () => {
    // Two messages end an epoch; their unpaired DB client spans hold the commit at the epoch start.
    const { events, pipeline } = setUp({ epochMaxMessages: 2 });
    await pipeline.onAssigned(TOPIC, 0);
    await pipeline.handleBatch(batch([spanMessage(0), spanMessage(1)]), liveContext);
    expect(summary(events)).toEqual([`insert red:${TOPIC}:red:0:0-1`, `insert edges:${TOPIC}:red:0:0-1`, 'commit 0']);
    await pipeline.flushIdle();
    expect(summary(events).slice(3)).toEqual(['commit 2']);
    await pipeline.flushIdle();
    expect(events).toHaveLength(4);
  });

  it('counts the rows of a flush being retried as buffered, and retries with the same token', async () => {
    const { ch, registry, pipeline } = setUp();
    await pipeline.onAssigned(TOPIC, 0);
    await pipeline.handleBatch(batch([spanMessage(0, 3)]), liveContext);
    const open = await metricValue(registry, 'tailstream_aggregator_rows_buffered', { table: 'red_metrics' });
    expect(open).toBeGreaterThan(0);
    const seen: Promise<number>[] = [];
    ch.onAttempt = () => seen.push(metricValue(registry, 'tailstream_aggregator_rows_buffered', { table: 'red_metrics' }));
    ch.failNext(2);
    await pipeline.flushIdle();
    expect(ch.attempts.map((a) => a.token)).toEqual([...Array(3).fill(`red:${TOPIC}:red:0:0-0`), `edges:${TOPIC}:red:0:0-0`]);
    expect(await Promise.all(seen)).toEqual([open, open, open, open]);
    expect(await metricValue(registry, 'tailstream_aggregator_insert_failures_total', { table: 'red_metrics_ingest' })).toBe(2);
    expect(await metricValue(registry, 'tailstream_aggregator_rows_buffered', { table: 'red_metrics' })).toBe(0);
  });

  it('dead-letters an undecodable record and commits past it', async () => {
    const { events, pipeline, letters } = setUp();
    await pipeline.onAssigned(TOPIC, 0);
    const garbage = message(1, 'garbage', { [SCHEMA_HEADER]: 'span-batch.v2' });
    await pipeline.handleBatch(batch([spanMessage(0), garbage, spanMessage(2)]), liveContext);
    await pipeline.flushIdle();
    expect(letters.map((l) => [l.sourceTopic, l.sourcePartition, l.sourceOffset, l.reason])).toEqual([[TOPIC, 0, '1', 'undecodable_span_batch']]);
    expect(summary(events).at(-1)).toBe('commit 3');
  });

  it('reads only well-formed cut marks', () => {
    expect(['red-cut:41', 'red-cut:', 'red-cut:1e3', 'batch-cut:4', null, undefined].map(parseRedCut)).toEqual([41n, undefined, undefined, undefined, undefined, undefined]);
  });

  it('re-reads a partition from its commit when a batch fails part way, so no span is counted twice or lost', async () => {
    const { ch, pipeline, seeks, red } = setUp({ committed: { offset: 0n, metadata: null } });
    await pipeline.onAssigned(TOPIC, 0);
    await pipeline.handleBatch(batch([0, 1].map((o) => spanMessage(o))), liveContext);
    // Offset 3 is poison and the dead-letter write fails (Kafka down): the batch fails after offset 2 was added.
    const dlqDown = { send: async () => Promise.reject(new Error('Kafka down')) };
    (pipeline as unknown as { deps: { deadLetters: unknown } }).deps.deadLetters = dlqDown;
    await pipeline.handleBatch(batch([spanMessage(2), message(3, Buffer.from('garbage'), codec.headers)]), liveContext);
    expect(seeks).toEqual([0n]);
    (pipeline as unknown as { deps: { deadLetters: unknown } }).deps.deadLetters = fakeDeadLetters().writer;
    // Records fetched before the seek took effect are ignored; the re-read from 0 rebuilds everything once.
    await pipeline.handleBatch(batch([spanMessage(4)]), liveContext);
    await pipeline.handleBatch(batch([spanMessage(0), spanMessage(1), spanMessage(2), message(3, Buffer.from('garbage'), codec.headers), spanMessage(4)]), liveContext);
    await pipeline.flushAll();
    const byToken = new Map(ch.inserts().filter((i) => i.table.startsWith('red_metrics')).map((i) => [i.token, i.lines]));
    const calls = [...byToken.values()].flat().reduce((n, line) => n + Number((JSON.parse(line) as { Calls: number }).Calls), 0);
    expect(calls).toBe(4 * 4);
    expect(red.stats.skippedMessages).toBeGreaterThanOrEqual(1);
  });
});

import { SpanKind, StatusCode } from '@tailstream/model';
import { RedAggregator } from './red-aggregator';
import type { RedConfig } from './config';
import type { EdgeRow, RedFlush } from './rows';
import { batchOf, MS, SEC, T0, type TestSpan } from './test-support/spans';

const client = (over: TestSpan = {}): TestSpan => ({
  service: 'frontend', name: 'POST /pay', kind: SpanKind.Client, spanId: 11, parentSpanId: 10, start: T0 + 1n * MS, duration: 30n * MS, ...over,
});
const server = (over: TestSpan = {}): TestSpan => ({
  service: 'payments', name: 'POST /pay', kind: SpanKind.Server, spanId: 12, parentSpanId: 11, start: T0 + 5n * MS, duration: 20n * MS, ...over,
});

/** Adds each batch at consecutive offsets and returns all edges, flushAll included. */
function edgesOf(config: RedConfig, batches: ReturnType<typeof batchOf>[], agg = new RedAggregator(config)): EdgeRow[] {
  const flushes: RedFlush[] = [];
  batches.forEach((b, i) => {
    agg.add(0, BigInt(i), b);
    flushes.push(...agg.flushReady(0));
  });
  flushes.push(...agg.flushAll(0));
  return flushes.flatMap((f) => f.edges);
}

function view(e: EdgeRow) {
  return {
    bucket: Number((e.bucketStartUnixNano - T0) / SEC),
    client: e.clientService,
    server: e.serverService,
    type: e.connectionType,
    calls: e.calls,
    errors: e.errors,
    serverSum: e.durationSumNano,
    clientSum: e.clientDurationSumNano,
  };
}

const ONE_CALL = { bucket: 0, client: 'frontend', server: 'payments', type: '', calls: 1, errors: 0, serverSum: 20n * MS, clientSum: 30n * MS };

describe('service graph pairing', () => {
  it.each([
    ['client then server, same batch', [batchOf(1, [client(), server()])]],
    ['server then client, same batch', [batchOf(1, [server(), client()])]],
    ['client then server, across batches', [batchOf(1, [client()]), batchOf(1, [server()])]],
    ['server then client, across batches with other traces between', [batchOf(1, [server()]), batchOf(2, [{ service: 'x' }, client({ spanId: 99 })]), batchOf(1, [client()])]],
  ])('%s → one edge with the server latency', (_label, batches) => {
    const edges = edgesOf({}, batches);
    expect(edges.map(view)).toEqual([ONE_CALL]);
    expect(edges[0]?.bucketCounts[5]).toBe(1); // 20 ms: (10, 50]
    expect(edges[0]?.durationWeights).toEqual([1]);
  });

  it('does not pair spans of different traces with the same span IDs', () => {
    const agg = new RedAggregator();
    expect(edgesOf({}, [batchOf(1, [client()]), batchOf(2, [server()])], agg)).toEqual([]);
    expect(agg.stats).toMatchObject({ pairs: 0, droppedHalves: 2 });
  });

  it.each([
    ['server error', { status: StatusCode.Unset }, { status: StatusCode.Error }, 1],
    ['client error', { status: StatusCode.Error }, { status: StatusCode.Ok }, 1],
    ['both error', { status: StatusCode.Error }, { status: StatusCode.Error }, 1],
    ['no error', { status: StatusCode.Ok }, { status: StatusCode.Ok }, 0],
  ])('counts an error when either side failed: %s', (_label, c, s, errors) => {
    const [edge] = edgesOf({}, [batchOf(1, [client(c), server(s)])]);
    expect(edge?.errors).toBe(errors);
  });

  it('pairs PRODUCER → CONSUMER as messaging_system', () => {
    const edges = edgesOf({}, [
      batchOf(1, [client({ kind: SpanKind.Producer, service: 'orders' }), server({ kind: SpanKind.Consumer, service: 'shipping' })]),
    ]);
    expect(edges.map((e) => [e.clientService, e.serverService, e.connectionType])).toEqual([['orders', 'shipping', 'messaging_system']]);
  });

  it('sums calls per (bucket of the client start, client, server, type)', () => {
    const edges = edgesOf({}, [
      batchOf(1, [client(), server()]),
      batchOf(2, [client(), server({ status: StatusCode.Error })]),
      batchOf(3, [client({ start: T0 + 61n * SEC }), server({ start: T0 + 61n * SEC })]),
      batchOf(4, [client({ start: T0 + 59n * SEC }), server({ start: T0 + 60n * SEC })]),
    ]);
    expect(edges.map((e) => [Number((e.bucketStartUnixNano - T0) / SEC), e.calls, e.errors])).toEqual([
      [0, 3, 1],
      [60, 1, 0],
    ]);
  });

  it('counts a pair within one service without emitting an edge', () => {
    const agg = new RedAggregator();
    expect(edgesOf({}, [batchOf(1, [client({ service: 'a' }), server({ service: 'a' })])], agg)).toEqual([]);
    expect(agg.stats).toMatchObject({ pairs: 1, selfPairs: 1 });
  });

  it('ignores root SERVER spans and INTERNAL spans', () => {
    const agg = new RedAggregator();
    edgesOf({}, [batchOf(1, [server({ parentSpanId: 0 }), { kind: SpanKind.Internal, parentSpanId: 11 }])], agg);
    expect(agg.stats).toMatchObject({ pairs: 0, droppedHalves: 0 });
  });

  it('pairs one to one: a second waiting server half with the same parent is a duplicate', () => {
    const agg = new RedAggregator();
    const edges = edgesOf({}, [batchOf(1, [server(), server({ spanId: 13, service: 'payments-b' }), client()])], agg);
    expect(edges.map(view)).toEqual([ONE_CALL]);
    expect(agg.stats).toMatchObject({ pairs: 1, duplicateHalves: 1 });
  });

  it('expires a half by event time: TTL after its end, measured on the latest span start seen', () => {
    const config: RedConfig = { serviceGraph: { pairingTtlSeconds: 10, expiryScanIntervalMs: 1 } };
    // Client ends at T0 + 31 ms: it expires once a span starting after T0 + 10.031 s is seen.
    const kept = new RedAggregator(config);
    expect(edgesOf(config, [batchOf(1, [client()]), batchOf(2, [{ start: T0 + 10n * SEC }]), batchOf(1, [server()])], kept)).toHaveLength(1);
    const expired = new RedAggregator(config);
    expect(edgesOf(config, [batchOf(1, [client()]), batchOf(2, [{ start: T0 + 11n * SEC }]), batchOf(1, [server()])], expired)).toEqual([]);
    expect(expired.stats).toMatchObject({ expiredHalves: 1, pairs: 0, droppedHalves: 1 });
  });

  it('evicts the oldest half beyond maxPendingHalves', () => {
    const agg = new RedAggregator({ serviceGraph: { maxPendingHalves: 2 } });
    const edges = edgesOf({}, [batchOf(1, [client()]), batchOf(2, [client()]), batchOf(3, [client()]), batchOf(1, [server()]), batchOf(3, [server()])], agg);
    // c1 evicted by c3; c2 evicted when the server half of trace 1 (no partner left) joins.
    expect(edges.map((e) => e.calls)).toEqual([1]);
    expect(agg.stats).toMatchObject({ evictedHalves: 2, pairs: 1, droppedHalves: 1 });
  });

  it('can be disabled', () => {
    const agg = new RedAggregator({ serviceGraph: { enabled: false } });
    expect(edgesOf({}, [batchOf(1, [client(), server()])], agg)).toEqual([]);
    expect(agg.stats.pairs).toBe(0);
  });
});

describe('commit offsets respect waiting halves', () => {
  it('holds the commit point at the epoch of the oldest waiting half until it pairs or expires', () => {
    const agg = new RedAggregator({ epochMaxMessages: 2 });
    const commits: [bigint, bigint, number][] = [];
    const add = (offset: bigint, batch: ReturnType<typeof batchOf>) => {
      agg.add(0, offset, batch);
      for (const f of agg.flushReady(0)) commits.push([f.toOffset, f.commitOffset, f.edges.length]);
    };
    add(0n, batchOf(9, [{}]));
    add(1n, batchOf(9, [{}])); // epoch [0, 1] ends: nothing waits → commit 2
    add(2n, batchOf(1, [client()])); // a client half waits, from epoch 2
    add(3n, batchOf(9, [{}])); // epoch [2, 3] ends: commit held at 2
    add(4n, batchOf(9, [{}]));
    add(5n, batchOf(9, [{}])); // epoch [4, 5] ends: still held at 2
    expect(agg.safeCommitOffset(0)).toBe(2n);
    add(6n, batchOf(1, [server()]));
    add(7n, batchOf(9, [{}])); // epoch [6, 7] ends with the edge: commit 8
    expect(commits).toEqual([
      [1n, 2n, 0],
      [3n, 2n, 0],
      [5n, 2n, 0],
      [7n, 8n, 1],
    ]);
    expect(agg.safeCommitOffset(0)).toBe(8n);
  });

  it('flushAll drops waiting halves so the commit point reaches the next offset', () => {
    const agg = new RedAggregator();
    agg.add(0, 0n, batchOf(1, [client()]));
    agg.add(0, 1n, batchOf(2, [{}]));
    expect(agg.safeCommitOffset(0)).toBe(0n);
    const [f] = agg.flushAll(0);
    expect(f).toMatchObject({ toOffset: 1n, commitOffset: 2n, reason: 'flush-all' });
    expect(agg.safeCommitOffset(0)).toBe(2n);
    expect(agg.stats.droppedHalves).toBe(1);
  });

  it('flushAll after a watermark flush emits the open rows with an empty offset range and a unique token', () => {
    const agg = new RedAggregator({ bucketSeconds: 60, allowedLatenessSeconds: 0 });
    agg.add(0, 0n, batchOf(1, [{ start: T0 }]));
    agg.add(0, 1n, batchOf(2, [{ start: T0 + 60n * SEC }]));
    const [watermark] = agg.flushReady(0);
    expect(watermark).toMatchObject({ fromOffset: 0n, toOffset: 1n, dedupToken: 'red:0:0-1', commitOffset: 0n });
    const [all] = agg.flushAll(0);
    expect(all).toMatchObject({ fromOffset: 2n, toOffset: 1n, dedupToken: 'red:0:2-1', commitOffset: 2n });
    expect(all?.rows.map((r) => r.calls)).toEqual([1]);
    expect(agg.flushAll(0)).toEqual([]);
  });
});

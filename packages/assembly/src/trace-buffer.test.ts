import { MemoryBudget } from './memory-budget';
import { TraceBuffer } from './trace-buffer';
import type { DecidedTrace } from './decided-trace';
import { batchOf, resource, scope, span, traceIdOf } from './test-support/fixtures';

const config = { decisionWaitMs: 30_000, decisionWaitAfterRootMs: 5_000, maxSpansPerTrace: 100, maxBytesPerTrace: 1_000_000 };

function ids(traces: DecidedTrace[]): string[] {
  return traces.map((t) => `${t.traceId.readUInt32BE(12)}:${t.reason}`);
}

describe('TraceBuffer decision timing', () => {
  // Each case: batches arrive at the given times; the trace must be decided at exactly `decidedAt`.
  const cases: {
    name: string;
    arrivals: { at: number; root: boolean }[];
    config?: Partial<typeof config>;
    decidedAt: number;
    reason: string;
  }[] = [
    {
      name: 'no root: decision_wait after first span',
      arrivals: [
        { at: 0, root: false },
        { at: 10_000, root: false },
      ],
      decidedAt: 30_000,
      reason: 'wait',
    },
    {
      name: 'root then quiet: early decision',
      arrivals: [
        { at: 0, root: false },
        { at: 1_000, root: true },
      ],
      decidedAt: 6_000,
      reason: 'root_quiet',
    },
    {
      name: 'root first, children keep the trace open',
      arrivals: [
        { at: 0, root: true },
        { at: 4_000, root: false },
        { at: 8_000, root: false },
      ],
      decidedAt: 13_000,
      reason: 'root_quiet',
    },
    {
      name: 'decision_wait caps a chatty rooted trace',
      arrivals: [0, 4, 8, 12, 16, 20, 24, 28].map((s) => ({ at: s * 1000, root: s === 0 })),
      decidedAt: 30_000,
      reason: 'wait',
    },
    {
      name: 'after-root disabled by 0',
      arrivals: [{ at: 0, root: true }],
      config: { decisionWaitAfterRootMs: 0 },
      decidedAt: 30_000,
      reason: 'wait',
    },
    {
      name: 'short decision_wait wins over after-root',
      arrivals: [{ at: 0, root: true }],
      config: { decisionWaitMs: 2_000 },
      decidedAt: 2_000,
      reason: 'wait',
    },
  ];

  test.each(cases)('$name', ({ arrivals, config: overrides, decidedAt, reason }) => {
    const buffer = new TraceBuffer({ config: { ...config, ...overrides } });
    const events = [
      ...arrivals.map((a) => ({ at: a.at, add: a })),
      { at: decidedAt - 1, add: undefined },
      { at: decidedAt, add: undefined },
    ];
    events.sort((a, b) => a.at - b.at);
    const decided: { at: number; trace: DecidedTrace }[] = [];
    let spanId = 1;
    for (const event of events) {
      if (event.add) {
        const s = span({ id: spanId++, parent: event.add.root ? undefined : 424242 });
        buffer.add(batchOf(1, [s]), event.at, event.at);
      }
      for (const trace of buffer.poll(event.at)) decided.push({ at: event.at, trace });
    }
    expect(decided.map((d) => [d.at, d.trace.reason])).toEqual([[decidedAt, reason]]);
    expect(decided[0]?.trace.decidedAtMs).toBe(decidedAt);
  });

  test('span and byte limits decide on add, with their reason, at the next poll', () => {
    const buffer = new TraceBuffer({ config: { ...config, maxSpansPerTrace: 3, maxBytesPerTrace: 1_000, spanOverheadBytes: 100 } });
    buffer.add(batchOf(1, [span({ id: 1 }), span({ id: 2 })]), 0, 0);
    expect(buffer.poll(0)).toEqual([]);
    buffer.add(batchOf(1, [span({ id: 3 })]), 1, 1);
    buffer.add(batchOf(2, [span({ id: 10, attributes: Buffer.alloc(950) })]), 2, 2);
    expect(ids(buffer.poll(2))).toEqual(['1:span_limit', '2:byte_limit']);
    expect(buffer.stats().decided).toMatchObject({ span_limit: 1, byte_limit: 1 });
  });

  test('a late poll that finds both waits expired names the one that expired first', () => {
    const buffer = new TraceBuffer({ config: { ...config, decisionWaitMs: 3_000, decisionWaitAfterRootMs: 500 } });
    // 1: root at 100, quiet from 600 (before its wait ends at 3,000); 2: no root; 3: spans keep coming until 2,800, quiet at 3,300
    buffer.add(batchOf(1, [span({ id: 1, parent: 9 })]), 0, 0);
    buffer.add(batchOf(1, [span({ id: 2 })]), 1, 100);
    buffer.add(batchOf(2, [span({ id: 3, parent: 9 })]), 2, 0);
    buffer.add(batchOf(3, [span({ id: 4 })]), 3, 0);
    buffer.add(batchOf(3, [span({ id: 5, parent: 4 })]), 4, 2_800);
    expect(ids(buffer.poll(10_000))).toEqual(['1:root_quiet', '2:wait', '3:wait']);
    expect(buffer.stats().decided).toMatchObject({ root_quiet: 1, wait: 2 });
  });

  test('poll returns expired traces oldest first, then root-quiet ones', () => {
    const buffer = new TraceBuffer({ config });
    buffer.add(batchOf(1, [span({ id: 1, parent: 9 })]), 0, 0);
    buffer.add(batchOf(2, [span({ id: 2, parent: 9 })]), 1, 100);
    buffer.add(batchOf(3, [span({ id: 3 })]), 2, 26_000);
    expect(ids(buffer.poll(31_000))).toEqual(['1:wait', '2:wait', '3:root_quiet']);
    expect(buffer.stats().traces).toBe(0);
  });

  test('duplicate spans are dropped and counted, not doubled', () => {
    const buffer = new TraceBuffer({ config });
    const make = () => batchOf(1, [span({ id: 1 }), span({ id: 2, parent: 1 })]);
    expect(buffer.add(make(), 0, 0)).toBe(2);
    expect(buffer.add(make(), 1, 1)).toBe(0);
    expect(buffer.add(batchOf(1, [span({ id: 2, parent: 1 }), span({ id: 3, parent: 1 })]), 2, 2)).toBe(1);
    const [trace] = buffer.decideAll(3);
    expect(trace?.spanCount).toBe(3);
    expect(trace?.duplicateSpans).toBe(3);
    expect(buffer.stats()).toMatchObject({ addedSpans: 3, duplicateSpans: 3 });
  });

  test('duplicates are found in large traces too (set mode)', () => {
    const buffer = new TraceBuffer({ config: { ...config, maxSpansPerTrace: 10_000 } });
    const many = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => span({ id: from + i, parent: 1 }));
    expect(buffer.add(batchOf(1, many(0, 200)), 0, 0)).toBe(200);
    expect(buffer.add(batchOf(1, many(150, 260)), 1, 1)).toBe(60);
    expect(buffer.decideAll(2)[0]?.spanCount).toBe(260);
  });

  test('resources and scopes are merged by content and span indexes remapped', () => {
    const buffer = new TraceBuffer({ config });
    buffer.add(
      {
        traceId: traceIdOf(1),
        resources: [resource('a'), resource('b')],
        scopes: [scope('x')],
        spans: [span({ id: 1, resourceIndex: 1 })],
        receivedAtUnixNano: 5n,
      },
      0,
      0,
    );
    buffer.add(
      {
        traceId: traceIdOf(1),
        resources: [resource('c'), resource('b')],
        scopes: [scope('y'), scope('x')],
        spans: [span({ id: 2, resourceIndex: 1, scopeIndex: 1 }), span({ id: 3, resourceIndex: 0, scopeIndex: 0 })],
        receivedAtUnixNano: 3n,
      },
      1,
      1,
    );
    const [trace] = buffer.decideAll(2);
    if (!trace) throw new Error('no trace');
    expect(trace.resources.map((r) => r.serviceName)).toEqual(['b', 'c']);
    expect(trace.scopes.map((s) => s.name)).toEqual(['x', 'y']);
    expect(trace.spans.map((s) => [trace.resources[s.resourceIndex]?.serviceName, trace.scopes[s.scopeIndex]?.name])).toEqual([
      ['b', 'x'],
      ['b', 'x'],
      ['c', 'y'],
    ]);
    expect(trace.receivedAtUnixNano).toBe(3n);
  });

  test('a span pointing past its batch resources or scopes keeps an out-of-range index, whatever batches came before', () => {
    const buffer = new TraceBuffer({ config });
    // an earlier batch (another trace) whose third resource and scope became its trace's first
    buffer.add(
      {
        traceId: traceIdOf(1),
        resources: [resource('a'), resource('b'), resource('c')],
        scopes: [scope('x'), scope('y'), scope('z')],
        spans: [span({ id: 10, resourceIndex: 2, scopeIndex: 2 })],
        receivedAtUnixNano: 0n,
      },
      0,
      0,
    );
    buffer.add({ traceId: traceIdOf(2), resources: [resource('d')], scopes: [scope('w')], spans: [span({ id: 1, resourceIndex: 2, scopeIndex: 2 }), span({ id: 2 })], receivedAtUnixNano: 0n }, 1, 0);
    const decided = buffer.decideAll(1);
    const second = decided.find((t) => t.traceId.equals(traceIdOf(2)))!;
    expect(second.resources.map((r) => r.serviceName)).toEqual(['d']);
    expect(second.spans.map((s) => [second.resources[s.resourceIndex]?.serviceName ?? 'none', second.scopes[s.scopeIndex]?.name ?? 'none'])).toEqual([
      ['none', 'none'],
      ['d', 'w'],
    ]);
  });

  test('tracks arrival times, root, start/end and bytes', () => {
    const buffer = new TraceBuffer({ config: { ...config, spanOverheadBytes: 10 } });
    buffer.add(batchOf(1, [span({ id: 2, parent: 1, startNs: 50n, endNs: 70n, attributes: Buffer.alloc(5) })]), 0, 100);
    buffer.add(
      batchOf(1, [
        span({ id: 1, startNs: 40n, endNs: 60n, attributes: Buffer.alloc(7), events: [Buffer.alloc(3)], links: [Buffer.alloc(2)] }),
      ]),
      1,
      200,
    );
    buffer.add(batchOf(1, [span({ id: 1 })]), 2, 300); // duplicate: does not move lastArrival
    const [trace] = buffer.decideAll(400);
    expect(trace).toMatchObject({
      firstArrivalMs: 100,
      rootArrivalMs: 200,
      lastArrivalMs: 200,
      hasRoot: true,
      startTimeUnixNano: 40n,
      endTimeUnixNano: 70n,
      // spans: (10 + 5) + (10 + 7 + 3 + 2); the resource attributes ("svc") once: 3
      bytes: 15 + 22 + 3,
      reason: 'drain',
      minOffset: 0n,
    });
  });
});

describe('TraceBuffer offsets', () => {
  test('safeCommitOffset is the lowest offset still held; commitOffset falls back to last + 1', () => {
    const buffer = new TraceBuffer({ config });
    expect(buffer.safeCommitOffset()).toBeUndefined();
    expect(buffer.commitOffset()).toBeUndefined();
    buffer.add(batchOf(1, [span({ id: 1, parent: 9 })]), '10', 0);
    buffer.add(batchOf(2, [span({ id: 2 })]), 11n, 1_000);
    buffer.add(batchOf(1, [span({ id: 3, parent: 9 })]), 12, 2_000);
    expect(buffer.safeCommitOffset()).toBe(10n);
    // trace 2 (offset 11) decides early; trace 1 (offsets 10, 12) still holds 10
    expect(ids(buffer.poll(6_000))).toEqual(['2:root_quiet']);
    expect(buffer.safeCommitOffset()).toBe(10n);
    expect(ids(buffer.poll(30_000))).toEqual(['1:wait']);
    expect(buffer.safeCommitOffset()).toBeUndefined();
    expect(buffer.lastAddedOffset).toBe(12n);
    expect(buffer.commitOffset()).toBe(13n);
  });

  test('decided traces not yet polled still hold their offset', () => {
    const buffer = new TraceBuffer({ config: { ...config, maxSpansPerTrace: 1 } });
    buffer.add(batchOf(1, [span({ id: 1 })]), 5, 0);
    expect(buffer.safeCommitOffset()).toBe(5n);
    expect(buffer.poll(0)).toHaveLength(1);
    expect(buffer.safeCommitOffset()).toBeUndefined();
  });

  test('offsets added out of order are still handled exactly', () => {
    const buffer = new TraceBuffer({ config });
    buffer.add(batchOf(1, [span({ id: 1, parent: 9 })]), 20, 0);
    buffer.add(batchOf(2, [span({ id: 2, parent: 9 })]), 7, 1);
    buffer.add(batchOf(1, [span({ id: 3, parent: 9 })]), 3, 2);
    expect(buffer.safeCommitOffset()).toBe(3n);
    expect(buffer.lastAddedOffset).toBe(20n);
  });

  test('drain drops everything undecided, decides nothing and reports the commit offset', () => {
    const budget = new MemoryBudget();
    const buffer = new TraceBuffer({ budget, config: { ...config, maxSpansPerTrace: 2 } });
    buffer.add(batchOf(1, [span({ id: 1 }), span({ id: 2, parent: 1 })]), 40, 0); // decided (span limit), not polled
    buffer.add(batchOf(2, [span({ id: 3 })]), 41, 0);
    buffer.add(batchOf(3, [span({ id: 4 })]), 42, 0);
    expect(budget.spans).toBe(2);
    expect(buffer.drain()).toEqual({ safeCommitOffset: 40n, lastAddedOffset: 42n, commitOffset: 40n, droppedTraces: 3, droppedSpans: 4 });
    expect(buffer.poll(60_000)).toEqual([]);
    expect(buffer.stats()).toMatchObject({ traces: 0, spans: 0, bytes: 0, ready: 0 });
    expect([budget.spans, budget.bytes, budget.traces]).toEqual([0, 0, 0]);
    expect(buffer.commitOffset()).toBeUndefined();
  });
});

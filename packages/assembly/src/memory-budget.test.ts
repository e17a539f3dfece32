import { MemoryBudget } from './memory-budget';
import { TraceBuffer } from './trace-buffer';
import { batchOf, randInt, rng, span } from './test-support/fixtures';

const config = { decisionWaitMs: 30_000, decisionWaitAfterRootMs: 0, spanOverheadBytes: 100 };

describe('MemoryBudget', () => {
  test('over the span cap, the globally oldest traces are decided early, in any buffer', () => {
    const budget = new MemoryBudget({ maxBufferedSpans: 5, maxBufferedBytes: 1e9 });
    const p0 = new TraceBuffer({ budget, config });
    const p1 = new TraceBuffer({ budget, config });
    p0.add(batchOf(1, [span({ id: 1 }), span({ id: 2 })]), 0, 0);
    p1.add(batchOf(2, [span({ id: 3 }), span({ id: 4 })]), 0, 10);
    p0.add(batchOf(3, [span({ id: 5 })]), 1, 20);
    expect(budget.spans).toBe(5);
    expect(budget.pressureDecisions).toBe(0);
    // one more span: trace 1 (p0, oldest) goes, and that is enough
    p1.add(batchOf(4, [span({ id: 6 })]), 1, 30);
    expect(budget.spans).toBe(4);
    expect(budget.pressureDecisions).toBe(1);
    expect(p1.poll(30)).toEqual([]);
    expect(p0.poll(30).map((t) => [t.traceId.readUInt32BE(12), t.reason, t.decidedAtMs])).toEqual([[1, 'memory_pressure', 30]]);
    // four more spans in p0 (8 > 5): traces 2 (p1) and 3 (p0) are the oldest now and must go
    p0.add(batchOf(5, [span({ id: 7 }), span({ id: 8 }), span({ id: 9 }), span({ id: 10 })]), 2, 40);
    expect(budget.spans).toBe(5);
    expect(p1.poll(40).map((t) => t.traceId.readUInt32BE(12))).toEqual([2]);
    expect(p0.poll(40).map((t) => t.traceId.readUInt32BE(12))).toEqual([3]);
    expect(p0.stats().decided.memory_pressure + p1.stats().decided.memory_pressure).toBe(3);
  });

  test('over the byte cap, oldest traces are decided early', () => {
    const budget = new MemoryBudget({ maxBufferedSpans: 1e6, maxBufferedBytes: 1_100 });
    const buffer = new TraceBuffer({ budget, config });
    buffer.add(batchOf(1, [span({ id: 1, attributes: Buffer.alloc(400) })]), 0, 0);
    buffer.add(batchOf(2, [span({ id: 2, attributes: Buffer.alloc(400) })]), 1, 1);
    expect(buffer.poll(1)).toEqual([]);
    buffer.add(batchOf(3, [span({ id: 3, attributes: Buffer.alloc(400) })]), 2, 2);
    expect(buffer.poll(2).map((t) => [t.traceId.readUInt32BE(12), t.reason])).toEqual([[1, 'memory_pressure']]);
    expect(budget.bytes).toBeLessThanOrEqual(1_100);
  });

  test('random workload: totals never stay above the caps and return to zero', () => {
    const r = rng(7);
    const budget = new MemoryBudget({ maxBufferedSpans: 200, maxBufferedBytes: 40_000 });
    const buffers = [0, 1, 2].map(() => new TraceBuffer({ budget, config: { ...config, decisionWaitAfterRootMs: 500 } }));
    let now = 0;
    let spanId = 1;
    let decidedSpans = 0;
    let addedSpans = 0;
    for (let step = 0; step < 3_000; step++) {
      now += randInt(r, 0, 20);
      const buffer = buffers[randInt(r, 0, 2)] as TraceBuffer;
      const spans = Array.from({ length: randInt(r, 1, 6) }, () =>
        span({ id: spanId++, parent: r() < 0.2 ? undefined : 1, attributes: Buffer.alloc(randInt(r, 0, 300)) }),
      );
      addedSpans += buffer.add(batchOf(randInt(r, 1, 150), spans), step, now);
      expect(budget.spans).toBeLessThanOrEqual(200);
      expect(budget.bytes).toBeLessThanOrEqual(40_000);
      if (step % 7 === 0) for (const b of buffers) for (const t of b.poll(now)) decidedSpans += t.spanCount;
    }
    expect(budget.pressureDecisions).toBeGreaterThan(0);
    for (const b of buffers) for (const t of b.decideAll(now)) decidedSpans += t.spanCount;
    expect(decidedSpans).toBe(addedSpans);
    expect([budget.spans, budget.bytes, budget.traces]).toEqual([0, 0, 0]);
  });
});

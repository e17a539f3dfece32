import { spanBatchCodec } from '@tailstream/avro';
import type { SpanBatch, SpanRecord } from '@tailstream/model';
import { MemoryBudget } from './memory-budget';
import { detachSpans, isInPlaceSpan, SharedBufferPins } from './shared-buffers';
import { TraceBuffer } from './trace-buffer';
import { batchOf, span } from './test-support/fixtures';

// Spans read lazily (@tailstream/avro's LazySpan) from one shared buffer, the way the sampler
// reads records of a decompressed record batch: the buffer counts once, in full, until the
// traces are decided or their spans are copied out (detachAfterMs).

const codec = spanBatchCodec();
const OVERHEAD = 128;

/** Visible content of a span (what policies and the kept output read). */
function content(s: SpanRecord) {
  return {
    spanId: s.spanId.toString('hex'),
    parent: s.parentSpanId.toString('hex'),
    name: s.name,
    start: s.startTimeUnixNano,
    end: s.endTimeUnixNano,
    attributes: s.attributes.toString('hex'),
  };
}

/** Encodes each batch and lays the encodings out in one shared buffer with `padding` bytes around each. */
function sharedRecords(batches: SpanBatch[], padding = 1000): { shared: Buffer; lazy: SpanBatch[] } {
  const encoded = batches.map((b) => codec.encode(b));
  const shared = Buffer.alloc(encoded.reduce((n, e) => n + e.length + padding, padding), 0xee);
  const ranges: [number, number][] = [];
  let at = padding;
  for (const e of encoded) {
    e.copy(shared, at);
    ranges.push([at, at + e.length]);
    at += e.length + padding;
  }
  const lazy = ranges.map(([from, to]) => codec.decodeLazy(shared.subarray(from, to), codec.schemaId));
  return { shared, lazy };
}

function twoTraces(): SpanBatch[] {
  return [
    batchOf(1, [span({ id: 1, startNs: 100n, endNs: 900n }), span({ id: 2, parent: 1, startNs: 200n, endNs: 300n })]),
    batchOf(2, [span({ id: 3, parent: 9, attributes: Buffer.from('x'.repeat(300)) })]),
  ];
}

function bufferWith(budget: MemoryBudget, detachAfterMs: number): TraceBuffer {
  return new TraceBuffer({ budget, config: { decisionWaitMs: 30_000, decisionWaitAfterRootMs: 0, spanOverheadBytes: OVERHEAD, detachAfterMs } });
}

describe('spans read in place from a shared buffer', () => {
  it('count the shared buffer once, in full, plus their fixed overhead', () => {
    const { shared, lazy } = sharedRecords(twoTraces());
    expect(lazy.every((b) => b.spans.every(isInPlaceSpan))).toBe(true);
    const budget = new MemoryBudget();
    const buffer = bufferWith(budget, 5_000);
    for (const b of lazy) buffer.add(b, 0, 0);
    expect(budget.pins.size).toBe(1);
    expect(budget.bytes).toBe(shared.buffer.byteLength + 3 * OVERHEAD);
    expect(buffer.stats().bytes).toBe(3 * OVERHEAD);
  });

  it('are copied out after detachAfterMs: same content, the shared buffer no longer read or counted', () => {
    const batches = twoTraces();
    const { shared, lazy } = sharedRecords(batches);
    const budget = new MemoryBudget();
    const buffer = bufferWith(budget, 5_000);
    for (const b of lazy) buffer.add(b, 0, 1_000);
    expect(buffer.poll(5_999)).toEqual([]);
    expect(budget.pins.size).toBe(1);

    expect(buffer.poll(6_000)).toEqual([]);
    expect(budget.pins.size).toBe(0);
    // each trace's record was copied once: the budget now counts those copies (not the padding around them)
    const copied = lazy.reduce((n, b) => n + b.spans.reduce((m, s) => m + (s as unknown as { end: number; start: number }).end - (s as unknown as { start: number }).start, 0), 0);
    expect(budget.bytes).toBe(3 * OVERHEAD + copied);
    shared.fill(0);
    const decided = buffer.decideAll(6_000);
    expect(decided.map((t) => t.spans.map(content))).toEqual(batches.map((b) => b.spans.map(content)));
    expect(decided.map((t) => t.traceId.readUInt32BE(12))).toEqual([1, 2]);
    expect([budget.spans, budget.bytes, budget.traces]).toEqual([0, 0, 0]);
  });

  it('with detachAfterMs 0 are copied on arrival', () => {
    const batches = twoTraces();
    const { shared, lazy } = sharedRecords(batches);
    const budget = new MemoryBudget();
    const buffer = bufferWith(budget, 0);
    for (const b of lazy) buffer.add(b, 0, 0);
    expect(budget.pins.size).toBe(0);
    shared.fill(0);
    expect(buffer.decideAll(0).map((t) => t.spans.map(content))).toEqual(batches.map((b) => b.spans.map(content)));
  });

  it('are unpinned when their trace is decided, and the last reader releases the buffer', () => {
    const { lazy } = sharedRecords(twoTraces());
    const budget = new MemoryBudget();
    const buffer = new TraceBuffer({ budget, config: { decisionWaitMs: 1_000, decisionWaitAfterRootMs: 0, detachAfterMs: 60_000 } });
    buffer.add(lazy[0]!, 0, 0);
    buffer.add(lazy[1]!, 1, 500);
    expect(buffer.poll(1_000).map((t) => t.traceId.readUInt32BE(12))).toEqual([1]);
    expect(budget.pins.size).toBe(1); // trace 2 still reads it
    expect(buffer.poll(1_500).map((t) => t.traceId.readUInt32BE(12))).toEqual([2]);
    expect([budget.pins.size, budget.bytes]).toEqual([0, 0]);
  });

  it('pin again when a detached trace gets a new record, and are detached again later', () => {
    const first = sharedRecords([batchOf(1, [span({ id: 1, parent: 7 })])]);
    const second = sharedRecords([batchOf(1, [span({ id: 2, parent: 7 })])]);
    const budget = new MemoryBudget();
    const buffer = bufferWith(budget, 1_000);
    buffer.add(first.lazy[0]!, 0, 0);
    buffer.poll(1_000);
    expect(budget.pins.size).toBe(0);
    buffer.add(second.lazy[0]!, 1, 1_500);
    expect(budget.pins.size).toBe(1);
    buffer.poll(2_499);
    expect(budget.pins.size).toBe(1);
    buffer.poll(2_500);
    expect(budget.pins.size).toBe(0);
    first.shared.fill(0);
    second.shared.fill(0);
    expect(buffer.decideAll(3_000)[0]!.spans.map((s) => s.spanId.readUInt32BE(4))).toEqual([1, 2]);
  });

  it('a shared buffer larger than the byte cap decides its traces early (memory_pressure)', () => {
    const { shared, lazy } = sharedRecords(twoTraces(), 50_000);
    const budget = new MemoryBudget({ maxBufferedBytes: shared.buffer.byteLength - 1 });
    const buffer = bufferWith(budget, 60_000);
    buffer.add(lazy[0]!, 0, 0);
    expect(buffer.poll(0).map((t) => t.reason)).toEqual(['memory_pressure']);
    expect([budget.pins.size, budget.bytes]).toEqual([0, 0]);
  });

  it('drain() unpins everything', () => {
    const { lazy } = sharedRecords(twoTraces());
    const budget = new MemoryBudget();
    const buffer = bufferWith(budget, 60_000);
    for (const b of lazy) buffer.add(b, 0, 0);
    expect(buffer.drain().droppedTraces).toBe(2);
    expect([budget.pins.size, budget.bytes, budget.spans, budget.traces]).toEqual([0, 0, 0, 0]);
  });

  it('the trace ID is a copy, not a view into the shared buffer', () => {
    const { shared, lazy } = sharedRecords(twoTraces());
    const buffer = bufferWith(new MemoryBudget(), 0);
    buffer.add(lazy[0]!, 0, 0);
    shared.fill(0);
    expect(buffer.decideAll(0)[0]!.traceId.readUInt32BE(12)).toBe(1);
  });
});

describe('detachSpans', () => {
  it('copies runs of spans close together in one buffer, once per run, and leaves plain spans alone', () => {
    const { lazy } = sharedRecords(twoTraces(), 10_000);
    const plain = span({ id: 42 });
    const spans = [...lazy[0]!.spans, plain, ...lazy[1]!.spans];
    const before = spans.map(content);
    const copied = detachSpans(spans, 0, spans.length);
    const sources = new Set(spans.filter(isInPlaceSpan).map((s) => s.source));
    expect(sources.size).toBe(2); // one per record: the plain span in between splits the run, 10 kB of padding would too
    const sizes = [...lazy[0]!.spans, ...lazy[1]!.spans].map((s) => (s as unknown as { end: number; start: number }).end - (s as unknown as { start: number }).start);
    expect(copied).toBe(sizes.reduce((a, b) => a + b, 0));
    expect(spans.map(content)).toEqual(before);
    expect(spans[2]).toBe(plain);
  });
});

describe('SharedBufferPins', () => {
  it('counts a buffer once per reader set', () => {
    const pins = new SharedBufferPins();
    const a = new ArrayBuffer(100);
    expect(pins.pin(a)).toBe(100);
    expect(pins.pin(a)).toBe(0);
    expect(pins.unpin(a)).toBe(0);
    expect(pins.bytes).toBe(100);
    expect(pins.unpin(a)).toBe(100);
    expect([pins.bytes, pins.size, pins.unpin(a)]).toEqual([0, 0, 0]);
  });
});

/** A SharedBufferLifetime that records who holds which buffer. */
class CountingLifetime {
  readonly holders = new Map<ArrayBufferLike, number>();
  retains = 0;
  releases = 0;
  retain(buffer: ArrayBufferLike): void {
    this.retains++;
    this.holders.set(buffer, (this.holders.get(buffer) ?? 0) + 1);
  }
  release(buffer: ArrayBufferLike): void {
    this.releases++;
    const n = this.holders.get(buffer) ?? 0;
    if (n <= 0) throw new Error('released a buffer nobody held');
    if (n === 1) this.holders.delete(buffer);
    else this.holders.set(buffer, n - 1);
  }
  held(buffer: ArrayBufferLike): number {
    return this.holders.get(buffer) ?? 0;
  }
}

describe('the lifetime of shared buffers (what tells @tailstream/kafka when a block may be reused)', () => {
  it('holds a buffer per reading trace from its first span until the caller released the decided trace', () => {
    const { shared, lazy } = sharedRecords(twoTraces());
    const lifetime = new CountingLifetime();
    const budget = new MemoryBudget({}, lifetime);
    const buffer = bufferWith(budget, 60_000);
    for (const b of lazy) buffer.add(b, 0, 0);
    buffer.add(lazy[0]!, 1, 0); // the same spans again: no second hold
    expect(lifetime.held(shared.buffer)).toBe(2);
    const due = buffer.poll(30_000);
    expect(due).toHaveLength(2);
    // decided: no longer counted by the budget, but still read until emitted
    expect(budget.pins.bytes).toBe(0);
    expect(lifetime.held(shared.buffer)).toBe(2);
    expect(due.map((t) => t.spans.map(content))).toEqual(lazy.map((b) => b.spans.map(content)));
    buffer.release(due);
    expect(lifetime.held(shared.buffer)).toBe(0);
    buffer.release(due); // again: nothing more
    expect(lifetime.releases).toBe(lifetime.retains);
  });

  it('keeps a trace decided early for memory pressure held until its own buffer hands it out and it is released', () => {
    const { shared, lazy } = sharedRecords(twoTraces());
    const lifetime = new CountingLifetime();
    const budget = new MemoryBudget({ maxBufferedSpans: 2 }, lifetime);
    const first = bufferWith(budget, 60_000);
    const second = bufferWith(budget, 60_000);
    first.add(lazy[0]!, 0, 0); // 2 spans
    second.add(lazy[1]!, 0, 1); // 3 spans: the oldest trace (first's) is decided
    expect(first.stats().ready).toBe(1);
    expect(lifetime.held(shared.buffer)).toBe(2);
    const due = first.poll(1);
    expect(due.map((t) => t.reason)).toEqual(['memory_pressure']);
    expect(lifetime.held(shared.buffer)).toBe(2);
    first.release(due);
    expect(lifetime.held(shared.buffer)).toBe(1);
  });

  it('lets go at once of what a detached trace copied, and of everything drain() drops, ready traces included', () => {
    const { shared, lazy } = sharedRecords(twoTraces());
    const lifetime = new CountingLifetime();
    const budget = new MemoryBudget({}, lifetime);
    const detaching = bufferWith(budget, 1_000);
    detaching.add(lazy[0]!, 0, 0);
    expect(lifetime.held(shared.buffer)).toBe(1);
    expect(detaching.poll(1_000)).toEqual([]);
    expect(lifetime.held(shared.buffer)).toBe(0);

    const draining = new TraceBuffer({ budget, config: { decisionWaitMs: 30_000, decisionWaitAfterRootMs: 0, maxSpansPerTrace: 1, detachAfterMs: 60_000 } });
    const { shared: other, lazy: more } = sharedRecords(twoTraces());
    draining.add(more[0]!, 0, 0); // 2 spans ≥ maxSpansPerTrace 1: decided, waits in the ready list
    draining.add(more[1]!, 1, 0); // decided too
    expect(draining.stats().ready).toBe(2);
    expect(lifetime.held(other.buffer)).toBe(2);
    draining.drain();
    expect(lifetime.held(other.buffer)).toBe(0);
    expect(lifetime.releases).toBe(lifetime.retains);
  });
});

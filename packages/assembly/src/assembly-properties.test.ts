import { TraceBuffer } from './trace-buffer';
import { summarize } from './summarize';
import { canonical, randInt, randomDeliveries, randomTrace, rng } from './test-support/fixtures';

const decision = { policy: 'p', policyVersion: 'v1', adjustedCount: 1 };

describe('trace assembly is independent of delivery', () => {
  // For many random traces: deliver the same trace several ways (different batching, order,
  // duplicated deliveries), interleaved with another trace; every way must assemble the same
  // span set with the same resources/scopes and produce the same summary.
  test.each(Array.from({ length: 60 }, (_, i) => i + 1))('seed %i', (seed) => {
    const r = rng(seed);
    const logical = randomTrace(r, { spans: randInt(r, 1, 70), rootless: r() < 0.2 });
    const other = randomTrace(r, { spans: 3 });
    const results: { canon: string[]; summary: unknown; spans: number }[] = [];
    for (let way = 0; way < 4; way++) {
      const buffer = new TraceBuffer({ config: { maxSpansPerTrace: 1_000 } });
      const deliveries = randomDeliveries(r, 1, logical, way === 0 ? 0 : 0.5);
      const noise = randomDeliveries(r, 2, other, 0.3);
      let offset = 0;
      for (const batch of [...deliveries, ...noise].sort(() => r() - 0.5)) buffer.add(batch, offset++, offset);
      const decided = buffer.decideAll(1_000);
      const trace = decided.find((t) => t.traceId.readUInt32BE(12) === 1);
      if (!trace) throw new Error('trace missing');
      results.push({ canon: canonical(trace), summary: summarize(trace, decision), spans: trace.spanCount });
    }
    const [first, ...rest] = results;
    expect(first?.spans).toBe(logical.length);
    for (const result of rest) {
      expect(result.canon).toEqual(first?.canon);
      expect(result.summary).toEqual(first?.summary);
    }
  });
});

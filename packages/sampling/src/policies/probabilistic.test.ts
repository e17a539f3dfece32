import { Decision } from '../decision';
import { EvalContext } from '../eval-context';
import { ProtobufAttributeReader, testTrace } from '../test-support/otlp-attributes';
import { Fnv1a64 } from './fnv1a64';
import { DEFAULT_HASH_SALT, Probabilistic, adjustedCountFor, probabilityThreshold } from './probabilistic';

const MAX = (1n << 64n) - 1n;

/** Reference FNV-1a 64 with BigInt. */
function fnvReference(bytes: Uint8Array): bigint {
  let h = 0xcbf29ce484222325n;
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & MAX;
  }
  return h;
}

function traceId(i: number): Buffer {
  const id = Buffer.alloc(16);
  id.writeUInt32BE(Math.imul(i, 2654435761) >>> 0, 0);
  id.writeUInt32BE(i, 12);
  id.writeUInt32BE(Math.imul(i ^ 0x5bd1e995, 40503) >>> 0, 6);
  return id;
}

describe('FNV-1a 64', () => {
  test.each([
    ['', 0xcbf29ce484222325n],
    ['a', 0xaf63dc4c8601ec8cn],
    ['foobar', 0x85944171f73967e8n],
  ])('published vector %j', (text, expected) => {
    expect(new Fnv1a64().update(Buffer.from(text)).digest()).toBe(expected);
  });

  test('matches a BigInt reference on salt ‖ trace ID, and clone() continues the state', () => {
    const salted = new Fnv1a64().update(Buffer.from(DEFAULT_HASH_SALT));
    for (let i = 0; i < 500; i++) {
      const id = traceId(i);
      expect(salted.clone().update(id).digest()).toBe(fnvReference(Buffer.concat([Buffer.from(DEFAULT_HASH_SALT), id])));
    }
  });
});

describe('probabilityThreshold (as OTel: 64-bit mantissa product, truncated)', () => {
  test.each([
    [0, 0n],
    [1, MAX],
    [1.5, MAX],
    [0.5, (1n << 63n) - 1n],
    [0.25, (1n << 62n) - 1n],
  ])('ratio %d', (ratio, expected) => {
    expect(probabilityThreshold(ratio)).toBe(expected);
  });

  test('close to ratio × 2^64 and monotonic', () => {
    let previous = -1n;
    for (const pct of [0.001, 0.1, 1, 3.3, 10, 33.333, 50, 66.6, 99.999]) {
      const t = probabilityThreshold(pct / 100);
      const exact = (pct / 100) * 2 ** 64;
      expect(Math.abs(Number(t) - exact) / exact).toBeLessThan(1e-12);
      expect(t > previous).toBe(true);
      previous = t;
    }
  });
});

describe('probabilistic policy', () => {
  const reader = new ProtobufAttributeReader();
  const decide = (p: Probabilistic, id: Buffer) => p.evaluate(new EvalContext(testTrace({ traceId: id, spans: [{}] }), reader));

  test('keeps exactly the trace IDs whose salted hash is <= threshold (deterministic)', () => {
    const policy = new Probabilistic({ type: 'probabilistic', name: 'p', samplingPercentage: 10 });
    const threshold = probabilityThreshold(0.1);
    let kept = 0;
    for (let i = 0; i < 20_000; i++) {
      const id = traceId(i);
      const expected = fnvReference(Buffer.concat([Buffer.from(DEFAULT_HASH_SALT), id])) <= threshold;
      expect(decide(policy, id) === Decision.Sampled).toBe(expected);
      expect(policy.keeps(id)).toBe(expected); // same answer again: no state
      if (expected) kept++;
    }
    expect(kept / 20_000).toBeGreaterThan(0.09);
    expect(kept / 20_000).toBeLessThan(0.11);
  });

  test('the salt changes which traces are kept; an empty salt is the default salt', () => {
    const a = new Probabilistic({ type: 'probabilistic', name: 'a', samplingPercentage: 50 });
    const empty = new Probabilistic({ type: 'probabilistic', name: 'b', samplingPercentage: 50, hashSalt: '' });
    const b = new Probabilistic({ type: 'probabilistic', name: 'c', samplingPercentage: 50, hashSalt: 'layer-2' });
    let differ = 0;
    for (let i = 0; i < 1_000; i++) {
      expect(empty.keeps(traceId(i))).toBe(a.keeps(traceId(i)));
      if (a.keeps(traceId(i)) !== b.keeps(traceId(i))) differ++;
    }
    expect(differ).toBeGreaterThan(300);
  });

  test.each([
    [0, 0],
    [100, 1000],
  ])('%d %% keeps %d of 1000', (pct, kept) => {
    const p = new Probabilistic({ type: 'probabilistic', name: 'p', samplingPercentage: pct });
    expect(Array.from({ length: 1000 }, (_, i) => p.keeps(traceId(i))).filter(Boolean)).toHaveLength(kept);
  });

  test.each([
    [10, 10],
    [0.1, 1000],
    [25, 4],
    [100, 1],
  ])('adjusted count for %d %% is %d', (pct, count) => {
    expect(adjustedCountFor(pct)).toBeCloseTo(count, 9);
    expect(new Probabilistic({ type: 'probabilistic', name: 'p', samplingPercentage: pct }).adjustedCount()).toBeCloseTo(count, 9);
  });
});

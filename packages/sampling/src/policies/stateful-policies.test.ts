import { PolicyEngine } from '../engine';
import type { PolicyConfig } from '../policy-config';
import { ProtobufAttributeReader, testTrace } from '../test-support/otlp-attributes';
import { TokenBucket } from './token-bucket';

const reader = new ProtobufAttributeReader();

/** A trace of `spans` spans received (ingest time) at `atMs`, with `bytes` bytes. */
function traceAt(atMs: number, spans: number, bytes = 100, attrs: Record<string, string> = {}) {
  return testTrace({ spans: Array.from({ length: spans }, () => ({ startMs: 5, endMs: 6, attrs })), receivedAtMs: atMs, bytes });
}

function run(policies: PolicyConfig[], traces: ReturnType<typeof traceAt>[]): string {
  const engine = new PolicyEngine({ policies, version: 'v', reader });
  return traces.map((t) => (engine.evaluate(t).sampled ? 'K' : '.')).join('');
}

describe('TokenBucket', () => {
  test('starts full, refills with clock time, caps at capacity, never goes back in time', () => {
    const bucket = new TokenBucket(10, 20);
    expect(bucket.take(15, 100)).toBe(true); // 5 left
    expect(bucket.take(6, 100)).toBe(false);
    expect(bucket.take(10, 100.5)).toBe(true); // +5 → 10 → 0
    expect(bucket.take(1, 50)).toBe(false); // earlier time: no refill
    expect(bucket.take(20, 200)).toBe(true); // refilled to the cap (20), not beyond
    expect(bucket.take(1, 200)).toBe(false);
    expect(bucket.take(21, 1_000)).toBe(false); // larger than the bucket: never
  });
});

describe('rate_limiting (spans per second, burst 2×, data time)', () => {
  const policy: PolicyConfig[] = [{ type: 'rate_limiting', name: 'rl', spansPerSecond: 10 }];

  test('keeps traces while span tokens last, refilling with the traces’ own time', () => {
    // bucket 20: 8 + 8 fit, then 8 does not (4 left); 0.5 s later +5 → 9: 8 fits, 2 does not;
    // 2.5 s later the bucket is full again (capped at 20): 20 fits, then nothing is left
    const traces = [
      traceAt(1000, 8),
      traceAt(1000, 8),
      traceAt(1000, 8),
      traceAt(1500, 8),
      traceAt(1500, 2),
      traceAt(4000, 20),
      traceAt(4000, 1),
    ];
    expect(run(policy, traces)).toBe('KK.K.K.');
  });

  test('same traces in the same order → same decisions, whatever the wall clock', () => {
    const traces = Array.from({ length: 200 }, (_, i) => traceAt(1000 + i * 37, 1 + (i % 7)));
    const first = run(policy, traces);
    expect(run(policy, traces)).toBe(first);
    expect(first).toContain('K');
    expect(first).toContain('.');
  });

  test('without a receive time the trace start time drives the bucket', () => {
    const engine = new PolicyEngine({ policies: policy, version: 'v', reader });
    const at = (startMs: number, n: number) => testTrace({ spans: Array.from({ length: n }, () => ({ startMs, endMs: startMs + 1 })) });
    expect([at(0, 20), at(0, 1), at(2000, 20)].map((t) => engine.evaluate(t).sampled)).toEqual([true, false, true]);
  });
});

describe('bytes_limiting (bytes per second, burst capacity)', () => {
  test('consumes the trace size estimate; a trace larger than the burst never passes', () => {
    const policy: PolicyConfig[] = [{ type: 'bytes_limiting', name: 'bl', bytesPerSecond: 1000, burstCapacity: 1500 }];
    // 1500 − 1000 = 500 left; 600 does not fit; +250 after 0.25 s → 750: fits; 1600 > burst; later full: 1000 fits
    const traces = [
      traceAt(10_000, 1, 1000),
      traceAt(10_000, 1, 600),
      traceAt(10_250, 1, 600),
      traceAt(11_000, 1, 1600),
      traceAt(12_000, 1, 1000),
    ];
    expect(run(policy, traces)).toBe('K.K.K');
  });

  test('burst defaults to 2 × bytes_per_second', () => {
    const policy: PolicyConfig[] = [{ type: 'bytes_limiting', name: 'bl', bytesPerSecond: 1000 }];
    expect(run(policy, [traceAt(10_000, 1, 2000), traceAt(10_000, 1, 1)])).toBe('K.');
  });
});

describe('composite (policy order, rate allocation, max total per second)', () => {
  const errors: PolicyConfig = { type: 'status_code', name: 'errors', statusCodes: ['ERROR'] };
  const composite = (overrides: Partial<Extract<PolicyConfig, { type: 'composite' }>> = {}): PolicyConfig[] => [
    {
      type: 'composite',
      name: 'comp',
      maxTotalSpansPerSecond: 10,
      policyOrder: ['vip', 'rest'],
      policies: [
        { type: 'always_sample', name: 'rest' },
        { type: 'string_attribute', name: 'vip', key: 'tier', values: ['vip'], enabledRegexMatching: false, invertMatch: false },
      ],
      rateAllocation: [{ policy: 'vip', percent: 60 }],
      ...overrides,
    },
  ];
  const vip = (atMs: number, n: number) => traceAt(atMs, n, 100, { tier: 'vip' });
  const std = (atMs: number, n: number) => traceAt(atMs, n, 100, { tier: 'std' });

  test('the first sub-policy in policy_order that samples spends its own allocation and the total', () => {
    // vip: allocation 6/s; "rest" has no allocation: only the total (10/s) bounds it. Second 10:
    // vip 4 ok; vip +3 > 6 no; rest 5 ok (total 9); rest +2: total 11 no; vip +1: vip 5, total 10 ok.
    // Second 11 (counters restart): vip 6 ok; rest 4 ok (total 10); rest +1: total 11 no.
    const traces = [
      vip(10_000, 4),
      vip(10_000, 3),
      std(10_000, 5),
      std(10_100, 2),
      vip(10_999, 1),
      vip(11_000, 6),
      std(11_000, 4),
      std(11_500, 1),
    ];
    expect(run(composite(), traces)).toBe('K.K.KKK.');
  });

  test('a sub-policy over its allocation drops the trace (later sub-policies are not asked)', () => {
    expect(run(composite(), [vip(10_000, 6), vip(10_000, 1)])).toBe('K.');
  });

  test('decisions repeat exactly for the same sequence; the adjusted count is the deciding sub-policy’s', () => {
    const traces = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? vip(i * 90, 1 + (i % 4)) : std(i * 90, 1 + (i % 5))));
    expect(run(composite(), traces)).toBe(run(composite(), traces));
    const engine = new PolicyEngine({
      policies: composite({
        policies: [
          { type: 'probabilistic', name: 'rest', samplingPercentage: 100 },
          { type: 'always_sample', name: 'vip' },
        ],
      }),
      version: 'v',
      reader,
    });
    expect(engine.evaluate(std(0, 1))).toMatchObject({ sampled: true, policy: 'comp', adjustedCount: 1 });
  });

  test('a listed allocation <= 0 gets an equal share (total / number of sub-policies)', () => {
    const policies = composite({ rateAllocation: [{ policy: 'vip', percent: 0 }] }); // 10 / 2 = 5
    expect(run(policies, [vip(10_000, 5), vip(10_000, 1)])).toBe('K.');
  });

  test('composite combines with other top-level policies like any policy', () => {
    const engine = new PolicyEngine({ policies: [...composite({ maxTotalSpansPerSecond: 1 }), errors], version: 'v', reader });
    const trace = testTrace({ spans: [{ status: 2 }, { status: 0 }], receivedAtMs: 0 });
    expect(engine.evaluate(trace)).toMatchObject({ sampled: true, policy: 'errors', matched: ['errors'] });
  });
});

import { PolicyEngine } from './engine';
import type { LeafPolicyConfig, PolicyConfig } from './policy-config';
import { ProtobufAttributeReader, testTrace, type TestSpan } from './test-support/otlp-attributes';

// Building blocks with known votes on the trace below (an error span with http.method=GET, 250 ms):
const yes = (name: string): PolicyConfig => ({ type: 'status_code', name, statusCodes: ['ERROR'] }); // Sampled
const no = (name: string): PolicyConfig => ({ type: 'latency', name, thresholdMs: 10_000 }); // NotSampled
const invYes = (name: string): LeafPolicyConfig => ({
  type: 'string_attribute',
  name,
  key: 'absent.key',
  values: ['x'],
  enabledRegexMatching: false,
  invertMatch: true,
}); // InvertSampled
const invNo = (name: string): LeafPolicyConfig => ({
  type: 'string_attribute',
  name,
  key: 'http.method',
  values: ['GET'],
  enabledRegexMatching: false,
  invertMatch: true,
}); // InvertNotSampled
const leafYes = (name: string): LeafPolicyConfig => ({ type: 'always_sample', name });
const leafNo = (name: string): LeafPolicyConfig => ({ type: 'span_count', name, minSpans: 100 });
const drop = (name: string, ...subs: LeafPolicyConfig[]): PolicyConfig => ({ type: 'drop', name, policies: subs });

const spans: TestSpan[] = [{ status: 2, startMs: 0, endMs: 250, attrs: { 'http.method': 'GET' } }];

interface Case {
  rule: string;
  policies: PolicyConfig[];
  sampleOnFirstMatch?: boolean;
  want: { sampled: boolean; policy: string; matched: string[] };
}

const cases: Case[] = [
  { rule: 'nothing matches → not sampled, no policy', policies: [no('a'), no('b')], want: { sampled: false, policy: '', matched: [] } },
  {
    rule: 'any sample keeps; the first sampling policy decides',
    policies: [no('a'), yes('b'), yes('c')],
    want: { sampled: true, policy: 'b', matched: ['b', 'c'] },
  },
  {
    rule: 'a matching drop vetoes, wherever it is listed',
    policies: [yes('a'), yes('b'), drop('d', leafYes('d1'), leafYes('d2'))],
    want: { sampled: false, policy: 'd', matched: [] },
  },
  {
    rule: 'drop needs ALL its sub-policies to match',
    policies: [yes('a'), drop('d', leafYes('d1'), leafNo('d2'))],
    want: { sampled: true, policy: 'a', matched: ['a'] },
  },
  {
    rule: 'drop with an inverted sub that matches nothing still vetoes',
    policies: [yes('a'), drop('d', invYes('d1'))],
    want: { sampled: false, policy: 'd', matched: [] },
  },
  {
    rule: 'drop with an inverted-not-sampled sub does not veto',
    policies: [yes('a'), drop('d', invNo('d1'))],
    want: { sampled: true, policy: 'a', matched: ['a'] },
  },
  { rule: 'inverted not-sampled vetoes a sample', policies: [yes('a'), invNo('i')], want: { sampled: false, policy: 'i', matched: ['a'] } },
  {
    rule: 'inverted sampled keeps when no policy says not sampled',
    policies: [invYes('i'), yes('a')],
    want: { sampled: true, policy: 'a', matched: ['i', 'a'] },
  },
  { rule: 'inverted sampled alone keeps (decided by it)', policies: [invYes('i')], want: { sampled: true, policy: 'i', matched: ['i'] } },
  {
    rule: 'inverted sampled + a plain not sampled → not sampled',
    policies: [invYes('i'), no('n')],
    want: { sampled: false, policy: '', matched: ['i'] },
  },
  {
    rule: 'and: all sub-policies must sample',
    policies: [{ type: 'and', name: 'and', policies: [leafYes('x'), leafNo('y')] }],
    want: { sampled: false, policy: '', matched: [] },
  },
  {
    rule: 'and: inverted sampled counts as sampled',
    policies: [{ type: 'and', name: 'and', policies: [leafYes('x'), invYes('y')] }],
    want: { sampled: true, policy: 'and', matched: ['and'] },
  },
  {
    rule: 'and: an inverted not-sampled sub makes it plain not sampled (no veto)',
    policies: [{ type: 'and', name: 'and', policies: [invNo('y')] }, yes('a')],
    want: { sampled: true, policy: 'a', matched: ['a'] },
  },
  {
    rule: 'not: flips not sampled to sampled',
    policies: [{ type: 'not', name: 'not', policy: leafNo('x') }],
    want: { sampled: true, policy: 'not', matched: ['not'] },
  },
  {
    rule: 'not: flips sampled to not sampled',
    policies: [{ type: 'not', name: 'not', policy: leafYes('x') }],
    want: { sampled: false, policy: '', matched: [] },
  },
  {
    rule: 'not: passes inverted votes through (still a veto)',
    policies: [yes('a'), { type: 'not', name: 'not', policy: invNo('x') }],
    want: { sampled: false, policy: 'not', matched: ['a'] },
  },
  {
    rule: 'sample_on_first_match stops at the first sample',
    policies: [yes('a'), yes('b')],
    sampleOnFirstMatch: true,
    want: { sampled: true, policy: 'a', matched: ['a'] },
  },
  {
    rule: 'sample_on_first_match still honours drop',
    policies: [yes('a'), drop('d', leafYes('d1'))],
    sampleOnFirstMatch: true,
    want: { sampled: false, policy: 'd', matched: [] },
  },
];

describe('combination rules (OpenTelemetry tail_sampling)', () => {
  test.each(cases)('$rule', ({ policies, sampleOnFirstMatch, want }) => {
    const engine = new PolicyEngine({ policies, version: 'v', reader: new ProtobufAttributeReader(), sampleOnFirstMatch });
    const decision = engine.evaluate(testTrace({ spans }));
    expect({ sampled: decision.sampled, policy: decision.policy, matched: decision.matched }).toEqual(want);
    expect(decision.adjustedCount).toBe(want.sampled ? 1 : 0);
    expect(decision.errors).toEqual([]);
  });
});

describe('evaluation errors', () => {
  test('a policy that throws is counted and ignored (no vote, no veto); the others decide', () => {
    const reader = new ProtobufAttributeReader();
    const failing = {
      get: () => {
        throw new Error('corrupt attributes');
      },
    };
    const seen: string[] = [];
    const engine = new PolicyEngine({
      policies: [
        invNo('inverted'),
        yes('errors'),
        drop('d', { type: 'boolean_attribute', name: 'flag', key: 'k', value: true, invertMatch: false }),
      ],
      version: 'v',
      reader: failing,
      onEvaluationError: (policy, error, shadow) => seen.push(`${policy}:${(error as Error).message}:${shadow}`),
    });
    const decision = engine.evaluate(testTrace({ spans }));
    expect(decision).toMatchObject({ sampled: true, policy: 'errors', errors: ['d', 'inverted'] });
    expect(engine.evaluationErrors).toBe(2);
    expect(seen).toEqual(['d:corrupt attributes:false', 'inverted:corrupt attributes:false']);
    expect(reader.reads).toBe(0);
  });
});

describe('adjusted count', () => {
  const reader = new ProtobufAttributeReader();
  const keepAll: LeafPolicyConfig = { type: 'probabilistic', name: 'all', samplingPercentage: 100 };
  const cases: { name: string; policies: PolicyConfig[]; want: number }[] = [
    { name: 'keep-all policy: 1', policies: [yes('a')], want: 1 },
    { name: 'probabilistic 100 %: 1', policies: [keepAll], want: 1 },
    { name: 'first sampling policy decides, even before a probabilistic one', policies: [yes('a'), keepAll], want: 1 },
    {
      name: 'and with probabilistic 100 % and a filter',
      policies: [{ type: 'and', name: 'and', policies: [leafYes('x'), keepAll] }],
      want: 1,
    },
  ];
  test.each(cases)('$name', ({ policies, want }) => {
    const engine = new PolicyEngine({ policies, version: 'v', reader });
    expect(engine.evaluate(testTrace({ spans })).adjustedCount).toBe(want);
  });

  test('probabilistic: 100 / percentage for every kept trace; and-with-probabilistic likewise', () => {
    const p = (name: string, pct: number, salt?: string): LeafPolicyConfig => ({
      type: 'probabilistic',
      name,
      samplingPercentage: pct,
      ...(salt ? { hashSalt: salt } : {}),
    });
    const engines = {
      plain: new PolicyEngine({ policies: [p('p', 20)], version: 'v', reader }),
      and: new PolicyEngine({ policies: [{ type: 'and', name: 'and', policies: [leafYes('x'), p('p', 20)] }], version: 'v', reader }),
      sameSalt: new PolicyEngine({ policies: [{ type: 'and', name: 'and', policies: [p('a', 50), p('b', 20)] }], version: 'v', reader }),
      twoSalts: new PolicyEngine({
        policies: [{ type: 'and', name: 'and', policies: [p('a', 50, 's1'), p('b', 20, 's2')] }],
        version: 'v',
        reader,
      }),
    };
    const counts = { plain: new Set<number>(), and: new Set<number>(), sameSalt: new Set<number>(), twoSalts: new Set<number>() };
    for (let i = 0; i < 300; i++) {
      const id = Buffer.alloc(16);
      id.writeUInt32BE(i * 7919, 0);
      for (const [key, engine] of Object.entries(engines)) {
        const d = engine.evaluate(testTrace({ traceId: id, spans }));
        if (d.sampled) counts[key as keyof typeof counts].add(d.adjustedCount);
      }
    }
    expect([...counts.plain]).toEqual([5]);
    expect([...counts.and]).toEqual([5]);
    expect([...counts.sameSalt]).toEqual([5]);
    expect([...counts.twoSalts]).toEqual([10]);
  });
});

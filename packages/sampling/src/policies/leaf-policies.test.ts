import { Decision } from '../decision';
import { EvalContext } from '../eval-context';
import { compilePolicy } from '../compile';
import type { LeafPolicyConfig } from '../policy-config';
import { ProtobufAttributeReader, testTrace, type TestSpan, type TestAttr } from '../test-support/otlp-attributes';

const reader = new ProtobufAttributeReader();

/** Distributes Omit over the union so each case keeps its own fields. */
type Params = LeafPolicyConfig extends infer P ? (P extends LeafPolicyConfig ? Omit<P, 'name'> : never) : never;

interface Case {
  name: string;
  policy: Params;
  spans: TestSpan[];
  resources?: Record<string, TestAttr>[];
  want: Decision;
}

const { Sampled: S, NotSampled: N, InvertSampled: IS, InvertNotSampled: INS } = Decision;

const cases: Case[] = [
  { name: 'always_sample', policy: { type: 'always_sample' }, spans: [{}], want: S },

  // latency: duration = latest end - earliest start, whole ms
  {
    name: 'latency at threshold',
    policy: { type: 'latency', thresholdMs: 100 },
    spans: [
      { startMs: 0, endMs: 40 },
      { startMs: 60, endMs: 100 },
    ],
    want: S,
  },
  { name: 'latency just below', policy: { type: 'latency', thresholdMs: 100 }, spans: [{ startMs: 0, endMs: 99.9 }], want: N },
  {
    name: 'latency with upper: in (lower, upper]',
    policy: { type: 'latency', thresholdMs: 100, upperThresholdMs: 200 },
    spans: [{ startMs: 0, endMs: 200 }],
    want: S,
  },
  {
    name: 'latency with upper: lower bound exclusive',
    policy: { type: 'latency', thresholdMs: 100, upperThresholdMs: 200 },
    spans: [{ startMs: 0, endMs: 100 }],
    want: N,
  },
  {
    name: 'latency with upper: above upper',
    policy: { type: 'latency', thresholdMs: 100, upperThresholdMs: 200 },
    spans: [{ startMs: 0, endMs: 201 }],
    want: N,
  },

  // status_code
  {
    name: 'status_code ERROR present',
    policy: { type: 'status_code', statusCodes: ['ERROR'] },
    spans: [{ status: 0 }, { status: 2 }],
    want: S,
  },
  {
    name: 'status_code ERROR absent',
    policy: { type: 'status_code', statusCodes: ['ERROR'] },
    spans: [{ status: 0 }, { status: 1 }],
    want: N,
  },
  { name: 'status_code OK or UNSET', policy: { type: 'status_code', statusCodes: ['OK', 'UNSET'] }, spans: [{ status: 0 }], want: S },

  // string_attribute: span and resource attributes
  { name: 'string exact on span', policy: str({ values: ['GET', 'PUT'] }), spans: [{ attrs: { 'http.method': 'PUT' } }], want: S },
  {
    name: 'string exact on resource',
    policy: str({ key: 'service.name', values: ['checkout'] }),
    spans: [{}],
    resources: [{ 'service.name': 'checkout' }],
    want: S,
  },
  { name: 'string no match', policy: str({ values: ['GET'] }), spans: [{ attrs: { 'http.method': 'POST' } }], want: N },
  { name: 'string key absent', policy: str({ values: ['GET'] }), spans: [{}], want: N },
  { name: 'string exact is not substring', policy: str({ values: ['GE'] }), spans: [{ attrs: { 'http.method': 'GET' } }], want: N },
  { name: 'string non-string value never matches', policy: str({ values: ['1'] }), spans: [{ attrs: { 'http.method': 1n } }], want: N },
  {
    name: 'string regex unanchored',
    policy: str({ key: 'url.path', values: ['/health'], enabledRegexMatching: true }),
    spans: [{ attrs: { 'url.path': '/api/health/live' } }],
    want: S,
  },
  {
    name: 'string regex anchored by pattern',
    policy: str({ key: 'url.path', values: ['^/health$'], enabledRegexMatching: true }),
    spans: [{ attrs: { 'url.path': '/api/health' } }],
    want: N,
  },
  {
    name: 'string regex Go inline flag',
    policy: str({ values: ['(?i)^get$'], enabledRegexMatching: true }),
    spans: [{ attrs: { 'http.method': 'GeT' } }],
    want: S,
  },
  {
    name: 'string empty span value ignored even by a matching regex',
    policy: str({ values: ['.*'], enabledRegexMatching: true }),
    spans: [{ attrs: { 'http.method': '' } }],
    want: N,
  },
  {
    name: 'string empty resource value tested',
    policy: str({ key: 'env', values: ['^$'], enabledRegexMatching: true }),
    spans: [{}],
    resources: [{ env: '' }],
    want: S,
  },
  {
    name: 'string invert: match → InvertNotSampled',
    policy: str({ values: ['GET'], invertMatch: true }),
    spans: [{ attrs: { 'http.method': 'POST' } }, { attrs: { 'http.method': 'GET' } }],
    want: INS,
  },
  {
    name: 'string invert: no match → InvertSampled',
    policy: str({ values: ['GET'], invertMatch: true }),
    spans: [{ attrs: { 'http.method': 'POST' } }],
    want: IS,
  },
  { name: 'string invert: key absent → InvertSampled', policy: str({ values: ['GET'], invertMatch: true }), spans: [{}], want: IS },
  {
    name: 'string invert: resource match → InvertNotSampled',
    policy: str({ key: 'service.name', values: ['a'], invertMatch: true }),
    spans: [{}],
    resources: [{ 'service.name': 'a' }],
    want: INS,
  },

  // numeric_attribute
  {
    name: 'numeric int in range',
    policy: num({ minValue: 400, maxValue: 599 }),
    spans: [{ attrs: { 'http.status_code': 503n } }],
    want: S,
  },
  {
    name: 'numeric int at bounds',
    policy: num({ minValue: 400, maxValue: 599 }),
    spans: [{ attrs: { 'http.status_code': 599n } }],
    want: S,
  },
  {
    name: 'numeric int out of range',
    policy: num({ minValue: 400, maxValue: 599 }),
    spans: [{ attrs: { 'http.status_code': 200n } }],
    want: N,
  },
  {
    name: 'numeric only min',
    policy: num({ minValue: 500 }),
    spans: [{ attrs: { 'http.status_code': 9_000_000_000_000_000_000n } }],
    want: S,
  },
  { name: 'numeric only max', policy: num({ maxValue: 0 }), spans: [{ attrs: { 'http.status_code': -5n } }], want: S },
  {
    name: 'numeric double compared by value',
    policy: num({ minValue: 1, maxValue: 2 }),
    spans: [{ attrs: { 'http.status_code': { double: 1.5 } } }],
    want: S,
  },
  { name: 'numeric string never matches', policy: num({ minValue: 0 }), spans: [{ attrs: { 'http.status_code': '500' } }], want: N },
  {
    name: 'numeric on resource',
    policy: num({ key: 'shard', minValue: 3, maxValue: 3 }),
    spans: [{}],
    resources: [{ shard: 3n }],
    want: S,
  },
  {
    name: 'numeric invert: in range → InvertNotSampled',
    policy: num({ minValue: 400, invertMatch: true }),
    spans: [{ attrs: { 'http.status_code': 404n } }],
    want: INS,
  },
  { name: 'numeric invert: absent → InvertSampled', policy: num({ minValue: 400, invertMatch: true }), spans: [{}], want: IS },

  // boolean_attribute
  { name: 'boolean true', policy: bool({ value: true }), spans: [{ attrs: { 'app.force_sample': true } }], want: S },
  { name: 'boolean false wanted, true present', policy: bool({ value: false }), spans: [{ attrs: { 'app.force_sample': true } }], want: N },
  {
    name: 'boolean string "true" is not a bool',
    policy: bool({ value: true }),
    spans: [{ attrs: { 'app.force_sample': 'true' } }],
    want: N,
  },
  { name: 'boolean on resource', policy: bool({ value: true }), spans: [{}], resources: [{ 'app.force_sample': true }], want: S },
  {
    name: 'boolean invert: match → InvertNotSampled',
    policy: bool({ value: true, invertMatch: true }),
    spans: [{ attrs: { 'app.force_sample': true } }],
    want: INS,
  },
  { name: 'boolean invert: absent → InvertSampled', policy: bool({ value: true, invertMatch: true }), spans: [{}], want: IS },

  // span_count (inclusive)
  { name: 'span_count min reached', policy: { type: 'span_count', minSpans: 2 }, spans: [{}, {}], want: S },
  { name: 'span_count below min', policy: { type: 'span_count', minSpans: 3 }, spans: [{}, {}], want: N },
  { name: 'span_count within [min, max]', policy: { type: 'span_count', minSpans: 1, maxSpans: 2 }, spans: [{}, {}], want: S },
  { name: 'span_count above max', policy: { type: 'span_count', minSpans: 1, maxSpans: 2 }, spans: [{}, {}, {}], want: N },

  // trace_state
  {
    name: 'trace_state value match',
    policy: { type: 'trace_state', key: 'tenant', values: ['gold'] },
    spans: [{ traceState: 'vendor=x, tenant=gold' }],
    want: S,
  },
  {
    name: 'trace_state other value',
    policy: { type: 'trace_state', key: 'tenant', values: ['gold'] },
    spans: [{ traceState: 'tenant=silver' }],
    want: N,
  },
  {
    name: 'trace_state malformed header',
    policy: { type: 'trace_state', key: 'tenant', values: ['gold'] },
    spans: [{ traceState: 'tenant=gold,broken' }],
    want: N,
  },
  {
    name: 'trace_state key absent',
    policy: { type: 'trace_state', key: 'tenant', values: ['gold'] },
    spans: [{ traceState: '' }, { traceState: 'a=b' }],
    want: N,
  },

  // trace_flags
  { name: 'trace_flags sampled bit set', policy: { type: 'trace_flags' }, spans: [{ flags: 0 }, { flags: 0x101 }], want: S },
  { name: 'trace_flags none set', policy: { type: 'trace_flags' }, spans: [{ flags: 0x100 }], want: N },
];

function str(p: Partial<Extract<Params, { type: 'string_attribute' }>>): Params {
  return { type: 'string_attribute', key: 'http.method', values: [], enabledRegexMatching: false, invertMatch: false, ...p };
}
function num(p: Partial<Extract<Params, { type: 'numeric_attribute' }>>): Params {
  return { type: 'numeric_attribute', key: 'http.status_code', invertMatch: false, ...p };
}
function bool(p: Partial<Extract<Params, { type: 'boolean_attribute' }>>): Params {
  return { type: 'boolean_attribute', key: 'app.force_sample', value: true, invertMatch: false, ...p };
}

describe('leaf policies', () => {
  test.each(cases)('$name', ({ policy, spans, resources, want }) => {
    const evaluator = compilePolicy({ ...policy, name: 'p' } as LeafPolicyConfig);
    const ctx = new EvalContext(testTrace({ spans, resources }), reader);
    expect(Decision[evaluator.evaluate(ctx)]).toBe(Decision[want]);
    expect(evaluator.adjustedCount()).toBe(1);
  });

  test('attribute policies report the keys they read', () => {
    const keys = new Set<string>();
    for (const c of cases) compilePolicy({ ...c.policy, name: 'p' } as LeafPolicyConfig).collectAttributeKeys(keys);
    expect([...keys].sort()).toEqual(['app.force_sample', 'env', 'http.method', 'http.status_code', 'service.name', 'shard', 'url.path']);
  });
});

import { PolicyEngine } from './engine';
import { loadPolicyFile } from './file/load-policy-file';
import { BatchingProtobufAttributeReader, ProtobufAttributeReader, testTrace } from './test-support/otlp-attributes';

const file = loadPolicyFile(`
policies:
  - {name: errors, type: status_code, status_codes: [ERROR]}
  - {name: checkout, type: string_attribute, key: service.name, values: [checkout]}
  - {name: by-route, type: string_attribute, key: http.route, values: ['^/api/'], enabled_regex_matching: true}
shadow_policies:
  - {name: slow, type: latency, threshold_ms: 100}
  - {name: api-only, type: string_attribute, key: http.route, values: ['^/api/'], enabled_regex_matching: true}
  - {name: vip, type: boolean_attribute, key: vip, value: true}
`);

function engineWith(reader = new ProtobufAttributeReader()) {
  return new PolicyEngine({ policies: file.policies, shadowPolicies: file.shadowPolicies, version: file.version, reader });
}

describe('PolicyEngine', () => {
  test('attributeKeys: every key the active and shadow policies read, once, sorted', () => {
    expect(engineWith().attributeKeys()).toEqual(['http.route', 'service.name', 'vip']);
  });

  test('shadow policies report would-keep decisions without changing the decision', () => {
    const engine = engineWith();
    const trace = testTrace({
      spans: [{ startMs: 0, endMs: 300, attrs: { 'http.route': '/web/home' } }],
      resources: [{ 'service.name': 'cart' }],
    });
    expect(engine.evaluate(trace)).toMatchObject({ sampled: false, policy: '', matched: [] });
    expect(engine.evaluateShadow(trace)).toMatchObject({ sampled: true, policy: 'slow', matched: ['slow'] });
    expect(engineWith().evaluateShadow(trace)).toMatchObject({ sampled: true, matched: ['slow'] });
  });

  test('each attribute key is read once per span and resource, shared by active and shadow sets', () => {
    const reader = new ProtobufAttributeReader();
    const engine = engineWith(reader);
    const trace = testTrace({ spans: [{ attrs: { 'http.route': '/api/x' } }, {}, {}], resources: [{}, {}] });
    engine.evaluate(trace);
    // service.name and http.route: 3 spans + 2 resources each
    expect(reader.reads).toBe(10);
    engine.evaluateShadow(trace);
    // only vip is new: 5 more reads
    expect(reader.reads).toBe(15);
    // a different trace object is read afresh: http.route and vip on 1 span + 1 resource
    engine.evaluateShadow(testTrace({ spans: [{}] }));
    expect(reader.reads).toBe(19);
  });

  test('a reader with getMany reads all keys of both sets in one pass per span and resource', () => {
    const reader = new BatchingProtobufAttributeReader();
    const engine = engineWith(reader);
    const trace = testTrace({
      spans: [{ attrs: { 'http.route': '/api/x', vip: true } }, {}, {}],
      resources: [{ 'service.name': 'checkout' }, {}],
    });
    expect(engine.evaluate(trace)).toMatchObject({ sampled: true, policy: 'checkout', matched: ['checkout', 'by-route'] });
    expect(engine.evaluateShadow(trace)).toMatchObject({ sampled: true, matched: ['api-only', 'vip'] });
    expect([reader.manyReads, reader.reads]).toEqual([5, 0]);
  });

  test('no shadow set: evaluateShadow returns undefined', () => {
    const engine = new PolicyEngine({ policies: file.policies, version: 'v', reader: new ProtobufAttributeReader() });
    expect(engine.hasShadow).toBe(false);
    expect(engine.evaluateShadow(testTrace({ spans: [{}] }))).toBeUndefined();
  });

  test('toSamplingDecision carries the version; dropped traces get adjusted count 0', () => {
    const engine = engineWith();
    const kept = testTrace({ spans: [{ status: 2 }, {}] });
    const dropped = testTrace({ spans: [{}] });
    expect(engine.toSamplingDecision(kept, engine.evaluate(kept), 1_700_000_000_123)).toEqual({
      traceId: kept.traceId,
      sampled: true,
      policy: 'errors',
      policyVersion: file.version,
      adjustedCount: 1,
      spanCount: 2,
      decidedAtUnixMs: 1_700_000_000_123n,
    });
    expect(engine.toSamplingDecision(dropped, engine.evaluate(dropped), 5n)).toMatchObject({
      sampled: false,
      policy: '',
      adjustedCount: 0,
    });
  });

  test('an engine needs at least one policy', () => {
    expect(() => new PolicyEngine({ policies: [], version: 'v', reader: new ProtobufAttributeReader() })).toThrow(RangeError);
  });
});

import { encodeKeyValueList, type KeyValue } from '@tailstream/otlp';
import { PolicyEngine, loadPolicyFile, type AttributeReader, type TraceView } from '@tailstream/sampling';
import { otlpAttributeReader } from './attribute-reader';

const file = loadPolicyFile(`
policies:
  - name: drop-health
    type: drop
    policies: [{name: health, type: string_attribute, key: url.path, values: ['^/healthz$'], enabled_regex_matching: true}]
  - {name: server-errors, type: numeric_attribute, key: http.response.status_code, min_value: 500, max_value: 599}
  - {name: gold, type: string_attribute, key: tenant.tier, values: [gold]}
  - {name: forced, type: boolean_attribute, key: app.force_sample, value: true}
  - {name: not-synthetic, type: numeric_attribute, key: synthetic.probe_id, min_value: 1, invert_match: true}
  - {name: checkout, type: string_attribute, key: service.name, values: [checkout]}
`);

/** A trace of one resource and the given span attribute buffers. */
function traceOf(resource: Buffer, spans: Buffer[]): TraceView {
  return {
    traceId: Buffer.alloc(16, 1),
    spans: spans.map((attributes) => ({
      statusCode: 0,
      startTimeUnixNano: 1n,
      endTimeUnixNano: 2n,
      attributes,
      traceState: '',
      flags: 0,
      resourceIndex: 0,
    })),
    resources: [{ attributes: resource }],
    spanCount: spans.length,
    bytes: 100,
    startTimeUnixNano: 1n,
    endTimeUnixNano: 2n,
    receivedAtUnixNano: 0n,
  };
}

const kv = (key: string, value: KeyValue['value']): KeyValue => ({ key, value });
const service = (name: string) => encodeKeyValueList([kv('service.name', { string: name }), kv('host.name', { string: 'h1' })]);

const traces: TraceView[] = [
  traceOf(service('cart'), [encodeKeyValueList([kv('url.path', { string: '/api' }), kv('http.response.status_code', { int: 200n })])]),
  traceOf(service('cart'), [encodeKeyValueList([kv('url.path', { string: '/healthz' }), kv('tenant.tier', { string: 'gold' })])]),
  traceOf(service('checkout'), [encodeKeyValueList([kv('http.response.status_code', { int: 503n })]), Buffer.alloc(0)]),
  // repeated key: the first occurrence decides; a value of another type never matches
  traceOf(service('cart'), [encodeKeyValueList([kv('tenant.tier', { string: 'free' }), kv('tenant.tier', { string: 'gold' })])]),
  traceOf(service('cart'), [encodeKeyValueList([kv('http.response.status_code', { string: '503' }), kv('tenant.tier', { int: 1n })])]),
  // without value, then an empty AnyValue
  traceOf(service('cart'), [
    Buffer.from([0x0a, 0x0d, 0x0a, 0x0b, ...Buffer.from('tenant.tier')]),
    encodeKeyValueList([kv('app.force_sample', { empty: true })]),
  ]),
  traceOf(service('cart'), [encodeKeyValueList([kv('app.force_sample', { bool: true })])]),
  // the inverted match vetoes
  traceOf(service('cart'), [encodeKeyValueList([kv('synthetic.probe_id', { int: 7n }), kv('app.force_sample', { bool: true })])]),
  traceOf(service('cart'), [
    encodeKeyValueList([kv('http.response.status_code', { double: 599.5 }), kv('tenant.tier', { array: [{ string: 'gold' }] })]),
  ]),
  // malformed span attributes, and a malformed resource
  traceOf(service('checkout'), [Buffer.from([0x0a, 0x7f]), encodeKeyValueList([kv('tenant.tier', { string: 'gold' })])]),
  traceOf(Buffer.from([0x0a, 0x05, 0x0a, 0x01]), [encodeKeyValueList([kv('app.force_sample', { bool: true })])]),
];

/** Decisions, counted errors and reported errors of a fresh engine over `traces`. */
function run(reader: AttributeReader) {
  const reported: string[] = [];
  const engine = new PolicyEngine({
    policies: file.policies,
    version: file.version,
    reader,
    onEvaluationError: (policy, error) => reported.push(`${policy}: ${(error as Error).message}`),
  });
  return { decisions: traces.map((t) => engine.evaluate(t)), errors: engine.evaluationErrors, reported };
}

describe('otlpAttributeReader', () => {
  test('compileKeys (one pass into a table) decides exactly as getMany and get do, errors included', () => {
    const { get, getMany } = otlpAttributeReader;
    const withTable = run(otlpAttributeReader);
    expect(withTable).toEqual(run({ get, getMany }));
    expect(withTable).toEqual(run({ get }));
    // (an InvertSampled vote alone does not keep a trace that other policies voted NotSampled)
    expect(withTable.decisions.map((d) => d.policy)).toEqual([
      '',
      'drop-health',
      'server-errors',
      '', // the first tenant.tier (free) decides, not the second (gold)
      '',
      '',
      'forced',
      'not-synthetic',
      '',
      '',
      '',
    ]);
    // the two malformed traces: each of the 6 attribute-reading policies fails on each
    expect(withTable.errors).toBe(12);
    expect(withTable.reported[0]).toMatch(/^drop-health: .*overruns/);
  });

  test('compileKeys reads values as the other methods do; values without a value field read as empty', () => {
    const buf = encodeKeyValueList([kv('a', { string: 'x' }), kv('b', { empty: true }), kv('c', { int: -2n })]);
    const table = new Array(4).fill(undefined);
    otlpAttributeReader.compileKeys!(['c', 'b', 'a', 'missing']).readRow(buf, table, 0, 1);
    expect(table).toEqual([{ int: -2n }, { empty: true }, { string: 'x' }, undefined]);
    expect(otlpAttributeReader.getMany!(buf, new Set(['a', 'b', 'c']))).toEqual(
      new Map([
        ['a', { string: 'x' }],
        ['c', { int: -2n }],
      ]),
    );
  });
});

import { defaultTopology } from './default-topology';
import { TopologyError, validateTopology, type TopologySpec } from './topology';
import { parseTopology } from './topology-file';

function base(): TopologySpec {
  return {
    entrypoints: [{ service: 'api', operation: 'GET /items' }],
    services: [
      {
        name: 'api',
        kind: 'http',
        operations: [
          { name: 'GET /items', calls: [{ service: 'db', operation: 'SELECT items' }, { operation: 'render' }] },
          { name: 'render' },
        ],
      },
      { name: 'db', kind: 'database', operations: [{ name: 'SELECT items', query: 'SELECT * FROM items' }] },
    ],
  };
}

function problemsOf(mutate: (t: TopologySpec) => void): string[] {
  const t = base();
  mutate(t);
  try {
    validateTopology(t);
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(TopologyError);
    return (err as TopologyError).problems;
  }
}

describe('validateTopology', () => {
  test('accepts the default topology and a minimal one', () => {
    expect(() => validateTopology(defaultTopology())).not.toThrow();
    expect(problemsOf(() => undefined)).toEqual([]);
  });

  test('the default topology has about ten instrumented services plus database, cache and queue leaves', () => {
    const services = defaultTopology().services;
    const instrumented = services.filter((s) => ['http', 'grpc', 'worker'].includes(s.kind)).map((s) => s.name);
    expect(instrumented).toEqual([
      'gateway',
      'web-frontend',
      'mobile-bff',
      'auth',
      'catalog',
      'cart',
      'checkout',
      'payments',
      'inventory',
      'shipping',
    ]);
    expect(
      services
        .filter((s) => !instrumented.includes(s.name))
        .map((s) => s.kind)
        .sort(),
    ).toEqual(['cache', 'database', 'queue']);
  });

  test.each<[string, (t: TopologySpec) => void, RegExp]>([
    [
      'unknown call target service',
      (t) => t.services[0]!.operations[0]!.calls!.push({ service: 'nope', operation: 'x' }),
      /unknown service "nope"/,
    ],
    [
      'unknown operation',
      (t) => t.services[0]!.operations[0]!.calls!.push({ service: 'db', operation: 'DELETE all' }),
      /has no operation "DELETE all"/,
    ],
    ['duplicate service', (t) => t.services.push({ name: 'db', kind: 'cache', operations: [] }), /duplicate service name/],
    ['duplicate operation', (t) => t.services[1]!.operations.push({ name: 'SELECT items' }), /duplicate operation "SELECT items"/],
    ['bad kind', (t) => ((t.services[1] as { kind: string }).kind = 'mainframe'), /kind must be one of/],
    [
      'http operation not named METHOD route',
      (t) => (t.entrypoints[0] = { service: 'api', operation: 'render' }),
      /must be named "<METHOD> <route>"/,
    ],
    [
      'entry point on a database',
      (t) => (t.entrypoints[0] = { service: 'db', operation: 'SELECT items' }),
      /entry points must be http or grpc/,
    ],
    [
      'database making calls',
      (t) => (t.services[1]!.operations[0]!.calls = [{ service: 'api', operation: 'GET /items' }]),
      /database services make no calls/,
    ],
    ['probability above 1', (t) => (t.services[0]!.operations[0]!.calls![0]!.probability = 1.5), /probability must be in \[0, 1\]/],
    ['repeat range reversed', (t) => (t.services[0]!.operations[0]!.calls![0]!.repeat = [5, 2]), /repeat must be/],
    ['negative median latency', (t) => (t.services[0]!.operations[1]!.latencyMs = { median: -1 }), /median must be > 0/],
    ['no entry points', (t) => (t.entrypoints = []), /at least one entry point/],
    [
      'consumers on a non-queue',
      (t) => (t.services[1]!.operations[0]!.consumers = [{ service: 'api', operation: 'render' }]),
      /only queue operations have consumers/,
    ],
    [
      'a cycle',
      (t) => (t.services[0]!.operations[1]!.calls = [{ service: 'api', operation: 'GET /items' }]),
      /call cycle: api "GET \/items" → api "render" → api "GET \/items"/,
    ],
  ])('rejects %s', (_name, mutate, expected) => {
    const problems = problemsOf(mutate);
    expect(problems.some((p) => expected.test(p))).toBe(true);
  });
});

describe('parseTopology', () => {
  test('reads YAML and JSON', () => {
    const yaml = [
      'entrypoints:',
      '  - { service: api, operation: GET /items, weight: 2 }',
      'services:',
      '  - name: api',
      '    kind: http',
      '    operations:',
      '      - name: GET /items',
      '        latencyMs: { median: 3, sigma: 0.4 }',
      '        calls: [{ service: db, operation: SELECT items, repeat: [1, 3] }]',
      '  - name: db',
      '    kind: database',
      '    operations: [{ name: SELECT items, query: SELECT * FROM items }]',
    ].join('\n');
    const fromYaml = parseTopology(yaml);
    expect(fromYaml.services[0]!.operations[0]!.calls![0]!.repeat).toEqual([1, 3]);
    expect(parseTopology(JSON.stringify(fromYaml))).toEqual(fromYaml);
  });

  test.each([
    ['bad syntax', 'services: [', /not valid YAML\/JSON/],
    ['not an object', '- 1\n- 2', /expected an object/],
    ['an invalid topology', 'services: []\nentrypoints: []', /at least one service/],
  ])('rejects %s', (_name, text, expected) => {
    expect(() => parseTopology(text, 'my.yaml')).toThrow(expected);
  });
});

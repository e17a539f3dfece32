import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPolicyFile } from './load-policy-file';
import { PolicyFileError, formatIssue } from './policy-file-error';
import { POLICY_TYPES } from '../policy-config';

const fixture = (name: string) => readFileSync(join(__dirname, '..', 'test-support', name), 'utf8');

/** The issue lines of a file that must fail. */
function issuesOf(text: string, options?: Parameters<typeof loadPolicyFile>[1]): string[] {
  try {
    loadPolicyFile(text, options);
  } catch (error) {
    if (error instanceof PolicyFileError) return error.issues.map(formatIssue);
    throw error;
  }
  throw new Error('expected the policy file to be rejected');
}

describe('OpenTelemetry Collector config pasted unchanged', () => {
  const loaded = loadPolicyFile(fixture('collector-config.yaml'));

  test('finds the tail_sampling processor of a full collector config and reads every policy type', () => {
    expect(loaded.format).toBe('otel');
    expect(loaded.policies.map((p) => `${p.name}:${p.type}`)).toEqual([
      'drop-health-checks:drop',
      'keep-errors:status_code',
      'slow-requests:latency',
      'medium-requests:latency',
      'server-errors:numeric_attribute',
      'vip-tenants:string_attribute',
      'force-sample:boolean_attribute',
      'big-traces:span_count',
      'debug-tracestate:trace_state',
      'baseline:probabilistic',
      'spans-cap:rate_limiting',
      'bytes-cap:bytes_limiting',
      'checkout-sampled:and',
      'not-internal:not',
      'budget:composite',
      'exclude-synthetic:numeric_attribute',
    ]);
  });

  test('policy settings are carried over', () => {
    const byName = Object.fromEntries(loaded.policies.map((p) => [p.name, p]));
    expect(byName['drop-health-checks']).toEqual({
      type: 'drop',
      name: 'drop-health-checks',
      policies: [
        {
          type: 'string_attribute',
          name: 'health-routes',
          key: 'url.path',
          values: ['\\/healthz', '\\/readyz', '\\/metrics'],
          enabledRegexMatching: true,
          invertMatch: false,
        },
      ],
    });
    expect(byName['medium-requests']).toEqual({ type: 'latency', name: 'medium-requests', thresholdMs: 500, upperThresholdMs: 2000 });
    expect(byName['server-errors']).toMatchObject({ key: 'http.response.status_code', minValue: 500, maxValue: 599, invertMatch: false });
    expect(byName['baseline']).toEqual({ type: 'probabilistic', name: 'baseline', samplingPercentage: 5, hashSalt: 'region-eu' });
    expect(byName['bytes-cap']).toEqual({ type: 'bytes_limiting', name: 'bytes-cap', bytesPerSecond: 1048576, burstCapacity: 4194304 });
    expect(byName['debug-tracestate']).toEqual({ type: 'trace_state', name: 'debug-tracestate', key: 'debug', values: ['1', 'true'] });
    expect(byName['not-internal']).toMatchObject({
      type: 'not',
      policy: { name: 'internal-only', type: 'string_attribute', values: ['internal'] },
    });
    expect(byName['budget']).toMatchObject({
      type: 'composite',
      maxTotalSpansPerSecond: 1000,
      policyOrder: ['budget-errors', 'budget-payments', 'budget-rest'],
      rateAllocation: [
        { policy: 'budget-errors', percent: 50 },
        { policy: 'budget-payments', percent: 25 },
      ],
    });
    expect(byName['exclude-synthetic']).toMatchObject({ minValue: 1, invertMatch: true });
  });

  test('processor settings: applied ones returned, others listed as ignored', () => {
    expect(loaded.decisionWaitMs).toBe(20_000);
    expect(loaded.decisionWaitAfterRootMs).toBe(3_000);
    expect(loaded.ignored.map((n) => n.split(':')[0])).toEqual([
      'processors.tail_sampling.num_traces',
      'processors.tail_sampling.expected_new_traces_per_sec',
      'processors.tail_sampling.decision_cache',
    ]);
  });

  test('the same policies in the Tailstream schema load identically, with the same version', () => {
    const ours = loadPolicyFile(fixture('tailstream-policies.yaml'));
    expect(ours.format).toBe('tailstream');
    expect(ours.policies).toEqual(loaded.policies);
    expect(ours.version).toBe(loaded.version);
    expect(loaded.version).toMatch(/^[0-9a-f]{12}$/);
  });

  const block = `
  decision_wait: 10s
  policies:
    - name: errors
      type: status_code
      status_code: {status_codes: [ERROR]}
`;
  test.each([
    ['the processor block with its key', `tail_sampling:${block}`],
    ['a named processor block', `tail_sampling/errors:${block}`],
    ['the bare block (nested settings)', block.replace(/^ {2}/gm, '')],
    ['a collector config with a named processor', `processors:\n  batch: {}\n  tail_sampling/errors:${block.replace(/^/gm, '  ')}`],
  ])('accepts %s', (_what, text) => {
    const file = loadPolicyFile(text);
    expect(file.format).toBe('otel');
    expect(file.decisionWaitMs).toBe(10_000);
    expect(file.policies).toEqual([{ type: 'status_code', name: 'errors', statusCodes: ['ERROR'] }]);
  });

  test('several tail_sampling processors: the processor option picks one', () => {
    const text = `processors:\n  tail_sampling/a:\n    policies: [{name: x, type: always_sample}]\n  tail_sampling/b:\n    policies: [{name: y, type: trace_flags}]\n`;
    expect(issuesOf(text)).toEqual([
      'processors: several tail_sampling processors (tail_sampling/a, tail_sampling/b); choose one with the processor option',
    ]);
    expect(loadPolicyFile(text, { processor: 'tail_sampling/b' }).policies).toEqual([{ type: 'trace_flags', name: 'y' }]);
    expect(issuesOf(text, { processor: 'tail_sampling/c' })).toEqual([
      'processors.tail_sampling/c: no such processor; tail_sampling processors: tail_sampling/a, tail_sampling/b',
    ]);
  });

  test('Go-style settings: durations, 100_000 integers, sample_on_first_match, maximum_trace_size_bytes', () => {
    const file = loadPolicyFile(`
decision_wait: 1m30s
decision_wait_after_root_received: 1500ms
sample_on_first_match: true
maximum_trace_size_bytes: 5_000_000
sampling_strategy: trace-complete
policies: [{name: r, type: rate_limiting, rate_limiting: {spans_per_second: 10_000}}]
`);
    expect(file).toMatchObject({
      format: 'otel',
      decisionWaitMs: 90_000,
      decisionWaitAfterRootMs: 1_500,
      sampleOnFirstMatch: true,
      maxBytesPerTrace: 5_000_000,
    });
    expect(file.policies).toEqual([{ type: 'rate_limiting', name: 'r', spansPerSecond: 10_000 }]);
  });
});

describe('Tailstream schema', () => {
  test('shadow policies, defaults of optional fields, flat settings', () => {
    const file = loadPolicyFile(`
policies:
  - {name: errors, type: status_code, status_codes: [ERROR, ERROR, UNSET]}
shadow_policies:
  - {name: errors, type: status_code, status_codes: [ERROR]}
  - {name: api, type: string_attribute, key: http.route, values: ['^/api/'], enabled_regex_matching: true}
`);
    expect(file.format).toBe('tailstream');
    expect(file.policies).toEqual([{ type: 'status_code', name: 'errors', statusCodes: ['ERROR', 'UNSET'] }]);
    expect(file.shadowPolicies).toEqual([
      { type: 'status_code', name: 'errors', statusCodes: ['ERROR'] },
      { type: 'string_attribute', name: 'api', key: 'http.route', values: ['^/api/'], enabledRegexMatching: true, invertMatch: false },
    ]);
    expect(file.decisionWaitMs).toBeUndefined();
  });

  test('version: ignores formatting and comments, changes with any setting', () => {
    const base = loadPolicyFile('policies: [{name: slow, type: latency, threshold_ms: 500}]\n').version;
    expect(loadPolicyFile('# slow traces\npolicies:\n  - type: latency\n    threshold_ms: 500\n    name: slow\n').version).toBe(base);
    expect(loadPolicyFile('policies: [{name: slow, type: latency, threshold_ms: 501}]\n').version).not.toBe(base);
    expect(
      loadPolicyFile('policies: [{name: slow, type: latency, threshold_ms: 500}]\nshadow_policies: [{name: s, type: always_sample}]\n')
        .version,
    ).not.toBe(base);
    // an empty shadow list is the same as none
    const empty = loadPolicyFile('policies: [{name: slow, type: latency, threshold_ms: 500}]\nshadow_policies: []\n');
    expect([empty.version, empty.shadowPolicies]).toEqual([base, undefined]);
  });
});

describe('validation messages name the policy, the field and the allowed values', () => {
  const cases: { name: string; yaml: string; issues: string[] }[] = [
    {
      name: 'unknown type',
      yaml: 'policies: [{name: slow, type: latncy, threshold_ms: 5}]',
      issues: [`policies[0] "slow" (latncy): type: unknown policy type "latncy"; allowed: ${POLICY_TYPES.join(', ')}`],
    },
    {
      name: 'misspelled field (Tailstream)',
      yaml: 'policies: [{name: slow, type: latency, treshold_ms: 5}]',
      issues: [
        'policies[0] "slow" (latency): threshold_ms: required (number)',
        'policies[0] "slow" (latency): treshold_ms: unknown field; allowed fields: threshold_ms, upper_threshold_ms',
      ],
    },
    {
      name: 'wrong value type (OTel)',
      yaml: 'policies: [{name: slow, type: latency, latency: {threshold_ms: fast}}]',
      issues: ['policies[0] "slow" (latency): latency.threshold_ms: Invalid input: expected number, received string'],
    },
    {
      name: 'value not allowed',
      yaml: 'policies: [{name: e, type: status_code, status_codes: [ERROR, FAILED]}]',
      issues: ['policies[0] "e" (status_code): status_codes[1]: Invalid option: expected one of "OK"|"ERROR"|"UNSET"'],
    },
    {
      name: 'invalid regular expression',
      yaml: "policies: [{name: r, type: string_attribute, key: k, values: [ok, '(['], enabled_regex_matching: true}]",
      issues: [
        'policies[0] "r" (string_attribute): values[1]: invalid regular expression: Invalid regular expression: /([/: Unterminated character class',
      ],
    },
    {
      name: 'a settings block of another type (OTel silently ignores it)',
      yaml: `
policies:
  - name: do-not-sample
    type: drop
    drop:
      drop_sub_policy:
        - name: no-sample-flag
          type: boolean_attribute
          string_attribute: {key: app.do_not_sample, value: true}
`,
      issues: [
        'policies[0] "do-not-sample" (drop) > drop.drop_sub_policy[0] "no-sample-flag" (boolean_attribute): string_attribute: a "string_attribute" block in a policy of type "boolean_attribute" (the collector would silently ignore it); put the settings under "boolean_attribute:" or fix the type',
      ],
    },
    {
      name: 'nesting OTel does not allow',
      yaml: 'policies: [{name: a, type: and, policies: [{name: b, type: and, policies: [{name: c, type: always_sample}]}]}]',
      issues: [
        `policies[0] "a" (and) > policies[0] "b" (and): type: "and" is not allowed at this level; allowed: always_sample, probabilistic, latency, status_code, string_attribute, numeric_attribute, boolean_attribute, span_count, trace_state, trace_flags, rate_limiting, bytes_limiting`,
      ],
    },
    {
      name: 'ottl_condition is not supported',
      yaml: 'policies: [{name: o, type: ottl_condition, ottl_condition: {span: ["true"]}}]',
      issues: [
        'policies[0] "o" (ottl_condition): type: ottl_condition is not supported by Tailstream (no OTTL engine); use the attribute, status_code or latency policies',
      ],
    },
    {
      name: 'names: required, unique',
      yaml: 'policies: [{type: always_sample}, {name: x, type: always_sample}, {name: x, type: trace_flags}]',
      issues: ['policies[0] (always_sample): name: required (a non-empty string)', 'policies: duplicate policy name "x"'],
    },
    {
      name: 'composite references',
      yaml: `
policies:
  - name: c
    type: composite
    max_total_spans_per_second: 100
    policy_order: [a, z]
    policies: [{name: a, type: always_sample}, {name: b, type: trace_flags}]
    rate_allocation: [{policy: a, percent: 80}, {policy: q, percent: 30}]
`,
      issues: [
        'policies[0] "c" (composite): policy_order[1]: "z" is not a sub-policy; sub-policies: a, b',
        'policies[0] "c" (composite): rate_allocation[1].policy: "q" is not a sub-policy; sub-policies: a, b',
        'policies[0] "c" (composite): rate_allocation: percentages add up to 110, more than 100',
      ],
    },
    {
      name: 'numeric bounds',
      yaml: 'policies: [{name: n, type: numeric_attribute, key: k}, {name: m, type: numeric_attribute, key: k, min_value: 9, max_value: 1}]',
      issues: [
        'policies[0] "n" (numeric_attribute): set min_value, max_value or both',
        'policies[1] "m" (numeric_attribute): max_value: must be >= min_value',
      ],
    },
    {
      name: 'percentage range',
      yaml: 'policies: [{name: p, type: probabilistic, sampling_percentage: 150}]',
      issues: ['policies[0] "p" (probabilistic): sampling_percentage: Too big: expected number to be <=100'],
    },
    {
      name: 'file-level settings',
      yaml: 'decision_wait: 30\nbogus_setting: 5\npolicies: []',
      issues: [
        'decision_wait: must be a positive duration such as 30s, 1m30s or 500ms (got 30)',
        'bogus_setting: unknown setting; allowed: policies, shadow_policies, decision_wait, decision_wait_after_root, sample_on_first_match',
        'policies: must list at least one policy',
      ],
    },
    {
      name: 'YAML syntax',
      yaml: 'policies:\n  - name: a\n   type: x\n',
      issues: ['line 3, column 1: YAML: Sequence item without - indicator'],
    },
    { name: 'not a mapping', yaml: '- a\n- b\n', issues: ['the policy file must be a YAML mapping'] },
  ];

  test.each(cases)('$name', ({ yaml, issues }) => {
    expect(issuesOf(yaml)).toEqual(issues);
  });

  test('the error message lists the issues and says which format was assumed', () => {
    expect(() => loadPolicyFile('policies: [{name: slow, type: latency, latency: {}}]')).toThrow(
      'invalid policy file (otel format):\n  - policies[0] "slow" (latency): latency.threshold_ms: required (number)',
    );
  });
});

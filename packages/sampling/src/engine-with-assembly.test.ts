import { StatusCode, type SpanRecord } from '@tailstream/model';
import { TraceBuffer, summarize } from '@tailstream/assembly';
import { PolicyEngine } from './engine';
import { loadPolicyFile } from './file/load-policy-file';
import { ProtobufAttributeReader, encodeAttributes } from './test-support/otlp-attributes';
import type { TraceView } from './trace-view';

// End to end through the pure packages: batches → TraceBuffer → PolicyEngine → summary.
// (Test-only dependency on @tailstream/assembly: the packages themselves do not import each other.)

function span(
  id: number,
  parent: number | undefined,
  startMs: number,
  endMs: number,
  status: StatusCode,
  attrs: Record<string, string> = {},
): SpanRecord {
  const spanId = Buffer.alloc(8);
  spanId.writeUInt32BE(id, 4);
  const parentSpanId = Buffer.alloc(parent === undefined ? 0 : 8);
  if (parent !== undefined) parentSpanId.writeUInt32BE(parent, 4);
  return {
    spanId,
    parentSpanId,
    traceState: '',
    flags: 1,
    name: `op-${id}`,
    kind: 2,
    startTimeUnixNano: BigInt(startMs) * 1_000_000n,
    endTimeUnixNano: BigInt(endMs) * 1_000_000n,
    statusCode: status,
    statusMessage: '',
    resourceIndex: 0,
    scopeIndex: 0,
    attributes: encodeAttributes(attrs),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
  };
}

function batch(trace: number, service: string, spans: SpanRecord[]) {
  const traceId = Buffer.alloc(16, 1);
  traceId.writeUInt32BE(trace, 12);
  return {
    traceId,
    resources: [
      { serviceName: service, attributes: encodeAttributes({ 'service.name': service }), droppedAttributesCount: 0, schemaUrl: '' },
    ],
    scopes: [{ name: 'lib', version: '1', attributes: Buffer.alloc(0), droppedAttributesCount: 0, schemaUrl: '' }],
    spans,
    receivedAtUnixNano: 1_700_000_000_000_000_000n,
  };
}

test('assembled traces are decided by the engine and summarized with the decision', () => {
  const file = loadPolicyFile(`
tail_sampling:
  decision_wait: 10s
  policies:
    - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
    - {name: checkout, type: string_attribute, string_attribute: {key: service.name, values: [checkout]}}
    - {name: health, type: drop, drop: {drop_sub_policy: [{name: h, type: string_attribute, string_attribute: {key: url.path, values: [/healthz]}}]}}
`);
  const engine = new PolicyEngine({ policies: file.policies, version: file.version, reader: new ProtobufAttributeReader() });
  const buffer = new TraceBuffer({ config: { decisionWaitMs: file.decisionWaitMs, decisionWaitAfterRootMs: 1_000 } });

  buffer.add(batch(1, 'web', [span(2, 1, 10, 50, StatusCode.Error)]), 0, 0); // child error first
  buffer.add(batch(2, 'checkout', [span(5, undefined, 0, 5, StatusCode.Ok)]), 1, 0);
  buffer.add(batch(3, 'web', [span(7, undefined, 0, 1, StatusCode.Error, { 'url.path': '/healthz' })]), 2, 0);
  buffer.add(batch(1, 'api', [span(1, undefined, 0, 100, StatusCode.Unset)]), 3, 500); // the root
  buffer.add(batch(1, 'web', [span(2, 1, 10, 50, StatusCode.Error)]), 4, 600); // duplicate delivery

  const decided = buffer.poll(1_600);
  const results = decided.map((trace) => {
    const view: TraceView = trace; // DecidedTrace satisfies TraceView
    const decision = engine.evaluate(view);
    return {
      trace: trace.traceId.readUInt32BE(12),
      reason: trace.reason,
      ...decision,
      summary: decision.sampled ? summarize(trace, { ...decision, policyVersion: engine.version }) : undefined,
    };
  });
  expect(results.map((r) => [r.trace, r.reason, r.sampled, r.policy])).toEqual([
    [2, 'root_quiet', true, 'checkout'],
    [3, 'root_quiet', false, 'health'],
    [1, 'root_quiet', true, 'errors'],
  ]);
  expect(results[2]?.summary).toMatchObject({
    spanCount: 2,
    errorCount: 1,
    rootServiceName: 'api',
    rootSpanName: 'op-1',
    durationNano: 100_000_000n,
    services: ['api', 'web'],
    policy: 'errors',
    policyVersion: file.version,
    adjustedCount: 1,
  });
  expect(buffer.commitOffset()).toBe(5n);
});

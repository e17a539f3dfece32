import { StatusCode, UNKNOWN_SERVICE } from '@tailstream/model';
import { findRoot, summarize } from './summarize';
import { resource, span, spanIdOf, traceIdOf } from './test-support/fixtures';

const decision = { policy: 'errors', policyVersion: 'abc123', adjustedCount: 4 };
const resources = [resource('web'), resource('db'), resource('api')];

describe('summarize', () => {
  test('start, duration, counts, root and sorted distinct services', () => {
    const spans = [
      span({ id: 2, parent: 1, startNs: 150n, endNs: 900n, resourceIndex: 1, status: StatusCode.Error }),
      span({ id: 1, name: 'GET /', startNs: 100n, endNs: 400n, resourceIndex: 0 }),
      span({ id: 3, parent: 1, startNs: 120n, endNs: 130n, resourceIndex: 2, status: StatusCode.Error }),
      span({ id: 4, parent: 2, startNs: 160n, endNs: 170n, resourceIndex: 1, status: StatusCode.Ok }),
    ];
    expect(summarize({ traceId: traceIdOf(9), spans, resources }, decision)).toEqual({
      traceId: traceIdOf(9),
      startTimeUnixNano: 100n,
      durationNano: 800n,
      spanCount: 4,
      errorCount: 2,
      rootServiceName: 'web',
      rootSpanName: 'GET /',
      services: ['api', 'db', 'web'],
      policy: 'errors',
      policyVersion: 'abc123',
      adjustedCount: 4,
    });
  });

  const rootCases: { name: string; spans: ReturnType<typeof span>[]; root: number }[] = [
    { name: 'the span without parent', spans: [span({ id: 5, parent: 1, startNs: 1n }), span({ id: 1, startNs: 9n })], root: 1 },
    {
      name: 'no root: the earliest span',
      spans: [span({ id: 5, parent: 1, startNs: 7n }), span({ id: 6, parent: 1, startNs: 3n })],
      root: 6,
    },
    { name: 'two roots: the earlier one', spans: [span({ id: 1, startNs: 9n }), span({ id: 2, startNs: 4n })], root: 2 },
    {
      name: 'two roots among earlier children: the earlier root',
      spans: [span({ id: 5, parent: 1, startNs: 1n }), span({ id: 1, startNs: 9n }), span({ id: 6, parent: 2, startNs: 2n }), span({ id: 2, startNs: 8n })],
      root: 2,
    },
    { name: 'equal starts: the lower span ID', spans: [span({ id: 8, startNs: 4n }), span({ id: 3, startNs: 4n })], root: 3 },
  ];
  test.each(rootCases)('root: $name (in any order)', ({ spans, root }) => {
    expect(findRoot(spans).spanId).toEqual(spanIdOf(root));
    expect(findRoot([...spans].reverse()).spanId).toEqual(spanIdOf(root));
  });

  test('negative extent gives duration 0; a missing resource gives unknown_service', () => {
    const summary = summarize(
      { traceId: traceIdOf(1), spans: [span({ id: 1, startNs: 50n, endNs: 10n, resourceIndex: 7 })], resources },
      decision,
    );
    expect(summary.durationNano).toBe(0n);
    expect(summary.rootServiceName).toBe(UNKNOWN_SERVICE);
    expect(summary.services).toEqual([UNKNOWN_SERVICE]);
  });

  test('a trace without spans is rejected', () => {
    expect(() => summarize({ traceId: traceIdOf(1), spans: [], resources }, decision)).toThrow(RangeError);
  });
});

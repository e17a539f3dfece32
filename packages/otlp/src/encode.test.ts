import type { ResourceRecord, ScopeRecord, SpanBatch } from '@tailstream/model';
import { encodeKeyValueList } from './attributes';
import { decodeOtlpTraces } from './decode';
import { encodeExportTraceServiceRequest } from './encode';
import { OTLP_TYPES, otlpType } from './proto-root';
import { FIXTURE_NOW_NS, makeSdkFixture } from './test-support/sdk-spans';
import { NOW_NS, SECOND_NS, span, traceIdOf } from './test-support/records';

const eventType = otlpType(OTLP_TYPES.event);
const linkType = otlpType(OTLP_TYPES.link);

const resA: ResourceRecord = {
  serviceName: 'svc-a',
  attributes: encodeKeyValueList([
    { key: 'service.name', value: { string: 'svc-a' } },
    { key: 'pid', value: { int: 77n } },
  ]),
  droppedAttributesCount: 2,
  schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
};
const resB: ResourceRecord = {
  ...resA,
  serviceName: 'svc-b',
  attributes: encodeKeyValueList([{ key: 'service.name', value: { string: 'svc-b' } }]),
  droppedAttributesCount: 0,
  schemaUrl: '',
};
const scope1: ScopeRecord = {
  name: 'lib-1',
  version: '1.0.0',
  attributes: encodeKeyValueList([{ key: 'scope.attr', value: { bool: true } }]),
  droppedAttributesCount: 1,
  schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
};
const scope2: ScopeRecord = { name: '', version: '', attributes: Buffer.alloc(0), droppedAttributesCount: 0, schemaUrl: '' };

function richBatches(): SpanBatch[] {
  const event = eventType
    .encode(
      eventType.fromObject({
        timeUnixNano: String(NOW_NS - 5n * SECOND_NS),
        name: 'ev',
        attributes: [{ key: 'k', value: { stringValue: 'v' } }],
      }),
    )
    .finish() as Buffer;
  const link = linkType
    .encode(linkType.fromObject({ traceId: traceIdOf(9), spanId: Buffer.alloc(8, 9), traceState: 'a=b', flags: 0x301 }))
    .finish() as Buffer;
  return [
    {
      traceId: traceIdOf(1),
      resources: [resA, resB],
      scopes: [scope1, scope2],
      spans: [
        span(1, {
          traceState: 'vendor=1',
          flags: 0x101,
          kind: 3,
          statusCode: 2,
          statusMessage: 'failed',
          attributes: encodeKeyValueList([
            { key: 's', value: { string: 'x' } },
            { key: 'arr', value: { array: [{ double: 1.25 }, { bytes: Buffer.from([1, 2]) }] } },
            { key: 'kv', value: { kvlist: [{ key: 'n', value: { int: -3n } }] } },
          ]),
          droppedAttributesCount: 4,
          events: [event, event],
          droppedEventsCount: 5,
          links: [link],
          droppedLinksCount: 6,
        }),
        span(3, { parentSpanId: Buffer.from('0000000000000001', 'hex'), statusCode: 1, kind: 5 }),
        span(2, {
          parentSpanId: Buffer.from('0000000000000001', 'hex'),
          resourceIndex: 1,
          scopeIndex: 1,
          kind: 0,
          flags: 0,
          attributes: Buffer.alloc(0),
        }),
      ],
      receivedAtUnixNano: NOW_NS,
    },
    {
      traceId: traceIdOf(2),
      resources: [resA],
      scopes: [scope1],
      spans: [span(4, { startTimeUnixNano: NOW_NS - 100n, endTimeUnixNano: NOW_NS - 1n })],
      receivedAtUnixNano: NOW_NS,
    },
  ];
}

describe('encodeExportTraceServiceRequest', () => {
  // Spans are listed in resource/scope group order (as a decoder produces them), so the round trip is exact.
  test('round trip: SpanBatch → protobuf → decode gives the same batches', () => {
    const batches = richBatches();
    const result = decodeOtlpTraces(encodeExportTraceServiceRequest(batches), 'protobuf', { nowNs: NOW_NS });
    expect(result.rejectedCount).toBe(0);
    expect(result.batches).toEqual(batches);
  });

  test('the encoding reads back with protobufjs reflection from the official definitions', () => {
    const type = otlpType(OTLP_TYPES.exportRequest);
    const decoded = type.toObject(type.decode(encodeExportTraceServiceRequest(richBatches())), { longs: String, bytes: String }) as {
      resourceSpans: Array<{
        resource: { attributes: unknown[]; droppedAttributesCount?: number };
        schemaUrl?: string;
        scopeSpans: Array<{ scope?: { name: string }; schemaUrl?: string; spans: Array<Record<string, unknown>> }>;
      }>;
    };
    // Grouped by record identity across batches: resA/scope1 (both traces), then resB/scope2.
    expect(decoded.resourceSpans.map((rs) => rs.scopeSpans.map((ss) => ss.spans.map((s) => s.name)))).toEqual([
      [['span-1', 'span-3', 'span-4']],
      [['span-2']],
    ]);
    const rsA = decoded.resourceSpans[0];
    expect(rsA?.schemaUrl).toBe('https://opentelemetry.io/schemas/1.26.0');
    expect(rsA?.resource.droppedAttributesCount).toBe(2);
    expect(rsA?.scopeSpans[0]?.scope?.name).toBe('lib-1');
    expect(rsA?.scopeSpans[0]?.schemaUrl).toBe('https://opentelemetry.io/schemas/1.21.0');
    expect(decoded.resourceSpans[1]?.scopeSpans[0]?.scope).toBeUndefined(); // empty scope omitted
    const s1 = rsA?.scopeSpans[0]?.spans[0];
    expect(s1).toMatchObject({
      traceId: traceIdOf(1).toString('base64'),
      spanId: Buffer.from('0000000000000001', 'hex').toString('base64'),
      traceState: 'vendor=1',
      flags: 0x101,
      kind: 3,
      startTimeUnixNano: String(NOW_NS - 10n * SECOND_NS),
      endTimeUnixNano: String(NOW_NS - 9n * SECOND_NS),
      droppedAttributesCount: 4,
      droppedEventsCount: 5,
      droppedLinksCount: 6,
      status: { code: 2, message: 'failed' },
    });
    expect((s1?.attributes as unknown[]).length).toBe(3);
    expect((s1?.events as unknown[]).length).toBe(2);
    expect((s1?.links as Array<{ traceState: string }>)[0]?.traceState).toBe('a=b');
  });

  test('SDK protobuf → decode → encode → decode is stable', () => {
    const { protobuf } = makeSdkFixture();
    const first = decodeOtlpTraces(protobuf, 'protobuf', { nowNs: FIXTURE_NOW_NS });
    const second = decodeOtlpTraces(encodeExportTraceServiceRequest(first.batches), 'protobuf', { nowNs: FIXTURE_NOW_NS });
    expect(second.batches).toEqual(first.batches);
    // Batches decoded from one request share records, so each resource is written once.
    const type = otlpType(OTLP_TYPES.exportRequest);
    const rs = (type.toObject(type.decode(encodeExportTraceServiceRequest(first.batches))) as { resourceSpans: unknown[] }).resourceSpans;
    expect(rs).toHaveLength(2);
  });

  test('empty input gives an empty request', () => {
    expect(encodeExportTraceServiceRequest([])).toHaveLength(0);
  });

  test('a span pointing at a missing resource is a programming error', () => {
    const bad = richBatches();
    const first = bad[1];
    if (first?.spans[0]) first.spans[0].resourceIndex = 3;
    expect(() => encodeExportTraceServiceRequest(bad)).toThrow(RangeError);
  });
});

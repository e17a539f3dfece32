import { decodeKeyValueList } from './attributes';
import { decodeOtlpTraces } from './decode';
import { OtlpDecodeError } from './errors';
import { decodeEvent, decodeLink } from './event-link';
import { NOW_NS } from './test-support/records';

const TRACE = '5b8efff798038103d269b633813fc60c';
const SPAN = 'eee19b7ec3c1b174';

/** An OTLP/JSON request with one span; `span` fields override the defaults. */
function request(span: Record<string, unknown>, resource: Record<string, unknown> = {}): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-svc' } }], ...resource },
        scopeSpans: [
          {
            scope: { name: 'json-scope', version: '3' },
            spans: [
              {
                traceId: TRACE,
                spanId: SPAN,
                name: 'json span',
                kind: 2,
                startTimeUnixNano: String(NOW_NS - 2_000_000_000n),
                endTimeUnixNano: String(NOW_NS - 1_000_000_000n),
                ...span,
              },
            ],
            schemaUrl: 'https://opentelemetry.io/schemas/1.21.0',
          },
        ],
        schemaUrl: 'https://example.com/resource-schema',
      },
    ],
  });
}

function decodeSpan(span: Record<string, unknown>) {
  const result = decodeOtlpTraces(request(span), 'json', { nowNs: NOW_NS });
  return { result, batch: result.batches[0], span: result.batches[0]?.spans[0] };
}

describe('OTLP/JSON decoding', () => {
  test('hex IDs, schema URLs, resource and scope', () => {
    const { batch, span } = decodeSpan({ parentSpanId: '00f067aa0ba902b7', traceState: 'k=v', flags: 257 });
    expect(batch?.traceId.toString('hex')).toBe(TRACE);
    expect(span?.spanId.toString('hex')).toBe(SPAN);
    expect(span?.parentSpanId.toString('hex')).toBe('00f067aa0ba902b7');
    expect(span?.traceState).toBe('k=v');
    expect(span?.flags).toBe(257);
    expect(batch?.resources[0]).toMatchObject({ serviceName: 'json-svc', schemaUrl: 'https://example.com/resource-schema' });
    expect(batch?.scopes[0]).toMatchObject({ name: 'json-scope', version: '3', schemaUrl: 'https://opentelemetry.io/schemas/1.21.0' });
  });

  test('upper-case hex IDs are accepted', () => {
    expect(decodeSpan({ traceId: TRACE.toUpperCase() }).batch?.traceId.toString('hex')).toBe(TRACE);
  });

  test.each([
    ['SPAN_KIND_UNSPECIFIED', 0],
    ['SPAN_KIND_INTERNAL', 1],
    ['SPAN_KIND_SERVER', 2],
    ['SPAN_KIND_CLIENT', 3],
    ['SPAN_KIND_PRODUCER', 4],
    ['SPAN_KIND_CONSUMER', 5],
    [3, 3],
    [5, 5],
  ])('kind %j decodes to %d', (kind, expected) => {
    expect(decodeSpan({ kind }).span?.kind).toBe(expected);
  });

  test.each([
    [{ code: 'STATUS_CODE_ERROR', message: 'boom' }, 2, 'boom'],
    [{ code: 'STATUS_CODE_OK' }, 1, ''],
    [{ code: 2 }, 2, ''],
    [{}, 0, ''],
  ])('status %j', (status, code, message) => {
    const { span } = decodeSpan({ status });
    expect(span?.statusCode).toBe(code);
    expect(span?.statusMessage).toBe(message);
  });

  test('int64 timestamps as strings or numbers', () => {
    const start = NOW_NS - 2_000_000_000n;
    const asStrings = decodeSpan({ startTimeUnixNano: String(start), endTimeUnixNano: String(start + 1n) }).span;
    expect(asStrings?.startTimeUnixNano).toBe(start);
    expect(asStrings?.endTimeUnixNano).toBe(start + 1n);
    // As JSON numbers, precision is what JSON.parse gives (ms-aligned values are exact enough to round-trip).
    const ms = 1_699_999_998_000_000_000;
    const asNumbers = decodeSpan({ startTimeUnixNano: ms, endTimeUnixNano: ms + 1_000_000 }).span;
    expect(asNumbers?.startTimeUnixNano).toBe(BigInt(ms));
    expect(asNumbers?.endTimeUnixNano).toBe(BigInt(ms + 1_000_000));
  });

  test('attribute values of every type, int64 as string or number, bytes as base64', () => {
    const { span } = decodeSpan({
      attributes: [
        { key: 's', value: { stringValue: 'text' } },
        { key: 'b', value: { boolValue: true } },
        { key: 'i-str', value: { intValue: '-9223372036854775808' } },
        { key: 'i-max', value: { intValue: '9223372036854775807' } },
        { key: 'i-num', value: { intValue: 42 } },
        { key: 'd', value: { doubleValue: 2.5 } },
        { key: 'd-nan', value: { doubleValue: 'NaN' } },
        { key: 'd-inf', value: { doubleValue: '-Infinity' } },
        { key: 'bytes', value: { bytesValue: Buffer.from([0, 1, 254, 255]).toString('base64') } },
        { key: 'arr', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: '7' }] } } },
        { key: 'kv', value: { kvlistValue: { values: [{ key: 'inner', value: { boolValue: false } }] } } },
        { key: 'empty', value: {} },
      ],
      droppedAttributesCount: 4,
    });
    expect(decodeKeyValueList(span?.attributes ?? Buffer.alloc(0))).toEqual([
      { key: 's', value: { string: 'text' } },
      { key: 'b', value: { bool: true } },
      { key: 'i-str', value: { int: -9223372036854775808n } },
      { key: 'i-max', value: { int: 9223372036854775807n } },
      { key: 'i-num', value: { int: 42n } },
      { key: 'd', value: { double: 2.5 } },
      { key: 'd-nan', value: { double: NaN } },
      { key: 'd-inf', value: { double: -Infinity } },
      { key: 'bytes', value: { bytes: Buffer.from([0, 1, 254, 255]) } },
      { key: 'arr', value: { array: [{ string: 'x' }, { int: 7n }] } },
      { key: 'kv', value: { kvlist: [{ key: 'inner', value: { bool: false } }] } },
      { key: 'empty', value: { empty: true } },
    ]);
    expect(span?.droppedAttributesCount).toBe(4);
  });

  test('events and links (link IDs in hex)', () => {
    const { span } = decodeSpan({
      events: [
        {
          timeUnixNano: String(NOW_NS - 1_500_000_000n),
          name: 'evt',
          attributes: [{ key: 'a', value: { intValue: '1' } }],
          droppedAttributesCount: 1,
        },
      ],
      links: [
        {
          traceId: TRACE,
          spanId: '00f067aa0ba902b7',
          traceState: 'x=y',
          flags: 1,
          attributes: [{ key: 'l', value: { stringValue: 'v' } }],
        },
      ],
      droppedEventsCount: 2,
      droppedLinksCount: 3,
    });
    const event = decodeEvent(span?.events[0] ?? Buffer.alloc(0));
    expect(event).toMatchObject({ timeUnixNano: NOW_NS - 1_500_000_000n, name: 'evt', droppedAttributesCount: 1 });
    expect(decodeKeyValueList(event.attributes)).toEqual([{ key: 'a', value: { int: 1n } }]);
    const link = decodeLink(span?.links[0] ?? Buffer.alloc(0));
    expect(link).toMatchObject({ traceState: 'x=y', flags: 1, droppedAttributesCount: 0 });
    expect(link.traceId.toString('hex')).toBe(TRACE);
    expect(link.spanId.toString('hex')).toBe('00f067aa0ba902b7');
    expect(decodeKeyValueList(link.attributes)).toEqual([{ key: 'l', value: { string: 'v' } }]);
    expect(span?.droppedEventsCount).toBe(2);
    expect(span?.droppedLinksCount).toBe(3);
  });

  test.each([
    ['not hex', { traceId: 'zz'.repeat(16) }, 'invalid_trace_id'],
    ['odd length', { traceId: TRACE.slice(1) }, 'invalid_trace_id'],
    ['empty string', { traceId: '' }, 'invalid_trace_id'],
    ['missing', { traceId: undefined }, 'invalid_trace_id'],
    ['base64 instead of hex', { spanId: Buffer.from(SPAN, 'hex').toString('base64') }, 'invalid_span_id'],
    ['number', { spanId: 12 }, 'invalid_span_id'],
  ])('invalid ID (%s) rejects the span, not the body', (_label, span, reason) => {
    const { result } = decodeSpan(span);
    expect(result.accepted).toBe(0);
    expect([...result.rejected]).toEqual([[reason, 1]]);
  });

  test('service.name missing: documented fallback unknown_service', () => {
    const result = decodeOtlpTraces(request({}, { attributes: [{ key: 'host.name', value: { stringValue: 'h' } }] }), 'json', {
      nowNs: NOW_NS,
    });
    expect(result.batches[0]?.resources[0]?.serviceName).toBe('unknown_service');
  });

  test('a leading byte order mark is ignored', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(request({}))]);
    expect(decodeOtlpTraces(body, 'json', { nowNs: NOW_NS }).accepted).toBe(1);
  });

  test('unknown fields are ignored, an empty object is an empty request', () => {
    expect(decodeSpan({ somethingNew: { nested: [1, 2] } }).result.accepted).toBe(1);
    expect(decodeOtlpTraces('{}', 'json').accepted).toBe(0);
    expect(decodeOtlpTraces('{"resourceSpans":[]}', 'json').batches).toEqual([]);
  });

  test.each([
    ['not JSON', '{"resourceSpans": ['],
    ['a JSON array', '[]'],
    ['a JSON string', '"x"'],
    ['null', 'null'],
    ['resourceSpans not an array', '{"resourceSpans": 5}'],
    ['a span that is not an object', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [7] }] }] })],
    ['attributes not an array', JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ attributes: 'x' }] }] }] })],
  ])('%s: OtlpDecodeError invalid_json', (_label, body) => {
    let caught: unknown;
    try {
      decodeOtlpTraces(Buffer.from(body), 'json');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(OtlpDecodeError);
    expect((caught as OtlpDecodeError).reason).toBe('invalid_json');
    expect((caught as OtlpDecodeError).retryable).toBe(false);
  });
});

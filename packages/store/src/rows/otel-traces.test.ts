import { otelTraceRow, OTEL_TRACES_COLUMNS, type OtelTraceRowInput } from './otel-traces';
import { sampleBatch } from '../__fixtures__/spans';

const input = (over: Partial<OtelTraceRowInput> = {}): OtelTraceRowInput => ({
  resourceAttributes: { 'service.name': 'frontend', 'host.name': 'h1' },
  spanAttributes: { 'http.route': '/users/:id', 'http.status_code': '500' },
  events: [],
  links: [],
  ...over,
});

describe('otelTraceRow', () => {
  const batch = sampleBatch();

  it('maps header fields, attributes, events and links to exporter columns in order', () => {
    const line = otelTraceRow(
      batch,
      batch.spans[0]!,
      input({
        events: [
          { timeUnixNano: 1_704_067_200_123_456_790n, name: 'exception', attributes: { 'exception.type': 'Boom' } },
          { timeUnixNano: 1_704_067_200_200_000_000n, name: 'retry', attributes: {} },
        ],
        links: [
          {
            traceId: Buffer.from('11111111111111111111111111111111', 'hex'),
            spanId: 'ABCDEF0123456789',
            traceState: 'x=y',
            attributes: { kind: 'follows' },
          },
        ],
        extraSpanAttributes: { 'tailstream.sample_rate': '1', 'http.status_code': '503' },
      }),
    );
    const row = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(row)).toEqual([...OTEL_TRACES_COLUMNS]);
    expect(row).toEqual({
      Timestamp: '1704067200.123456789',
      TraceId: '0af7651916cd43dd8448eb211c80319c',
      SpanId: '0102030405060708',
      ParentSpanId: '',
      TraceState: '',
      SpanName: 'GET /users/:id',
      SpanKind: 'Server',
      ServiceName: 'frontend',
      ResourceAttributes: { 'service.name': 'frontend', 'host.name': 'h1' },
      ScopeName: 'io.opentelemetry.http',
      ScopeVersion: '1.2.3',
      SpanAttributes: { 'http.route': '/users/:id', 'http.status_code': '503', 'tailstream.sample_rate': '1' },
      Duration: 250_000_001,
      StatusCode: 'Error',
      StatusMessage: 'boom "quoted"',
      'Events.Timestamp': ['1704067200.123456790', '1704067200.200000000'],
      'Events.Name': ['exception', 'retry'],
      'Events.Attributes': [{ 'exception.type': 'Boom' }, {}],
      'Links.TraceId': ['11111111111111111111111111111111'],
      'Links.SpanId': ['abcdef0123456789'],
      'Links.TraceState': ['x=y'],
      'Links.Attributes': [{ kind: 'follows' }],
    });
    expect(line).not.toContain('\n');
  });

  it('writes the parent ID, the resource of the span, a clamped duration and empty nested arrays', () => {
    const row = JSON.parse(otelTraceRow(batch, batch.spans[1]!, input())) as Record<string, unknown>;
    expect(row).toMatchObject({
      ParentSpanId: '0102030405060708',
      TraceState: 'vendor=1',
      SpanKind: 'Client',
      ServiceName: 'db-proxy',
      Duration: 0,
      StatusCode: 'Unset',
      'Events.Timestamp': [],
      'Links.Attributes': [],
    });
  });

  it('keeps Duration digits exact beyond 2^53 ns', () => {
    const span = { ...batch.spans[0]!, startTimeUnixNano: 0n, endTimeUnixNano: 9_007_199_254_740_993n };
    expect(otelTraceRow(batch, span, input())).toContain('"Duration":9007199254740993,');
  });

  it('reuses the serialized resource map for the same object and reflects a different object', () => {
    const resource = { a: '1' };
    const first = otelTraceRow(batch, batch.spans[0]!, input({ resourceAttributes: resource }));
    const second = otelTraceRow(batch, batch.spans[1]!, input({ resourceAttributes: resource }));
    const other = otelTraceRow(batch, batch.spans[1]!, input({ resourceAttributes: { b: '2' } }));
    expect(JSON.parse(first).ResourceAttributes).toEqual({ a: '1' });
    expect(JSON.parse(second).ResourceAttributes).toEqual({ a: '1' });
    expect(JSON.parse(other).ResourceAttributes).toEqual({ b: '2' });
  });

  it('escapes control characters and unicode in names and attribute values', () => {
    const span = { ...batch.spans[0]!, name: 'line1\nline2\t"x"\\ é 🚀' };
    const row = JSON.parse(otelTraceRow(batch, span, input({ spanAttributes: { 'k\n': 'v\u0000' } })));
    expect(row.SpanName).toBe('line1\nline2\t"x"\\ é 🚀');
    expect(row.SpanAttributes).toEqual({ 'k\n': 'v\u0000' });
  });
});

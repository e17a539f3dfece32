import { openTestClickHouse, type TestClickHouse } from '@tailstream/test-harness';
import {
  migrate,
  otelTraceRow,
  traceSummaryRow,
  jsonEachRow,
  OTEL_TRACES_TABLE,
  TRACE_SUMMARIES_TABLE,
  type OtelTraceRowInput,
} from './index';
import { sampleBatch, sampleSummary } from './__fixtures__/spans';

describe('otel_traces and trace_summaries through the store', () => {
  let t: TestClickHouse;
  const batch = sampleBatch();
  const resource = { 'service.name': 'frontend', 'k8s.pod.name': 'web-1' };
  const inputs: OtelTraceRowInput[] = [
    {
      resourceAttributes: resource,
      spanAttributes: { 'http.route': '/users/:id', 'http.response.status_code': '500' },
      events: [
        { timeUnixNano: 1_704_067_200_123_456_790n, name: 'exception', attributes: { 'exception.type': 'Boom' } },
        { timeUnixNano: 1_704_067_200_300_000_001n, name: 'retry', attributes: {} },
      ],
      links: [
        {
          traceId: Buffer.from('11111111111111111111111111111111', 'hex'),
          spanId: Buffer.from('2222222222222222', 'hex'),
          traceState: 'a=b',
          attributes: { 'link.kind': 'follows' },
        },
      ],
      extraSpanAttributes: { 'tailstream.policy': 'errors', 'tailstream.sample_rate': '1' },
    },
    { resourceAttributes: { 'service.name': 'db-proxy' }, spanAttributes: { 'db.system': 'postgresql' }, events: [], links: [] },
  ];
  const body = jsonEachRow(batch.spans.map((span, i) => otelTraceRow(batch, span, inputs[i]!)));

  beforeAll(async () => {
    t = await openTestClickHouse('store_traces');
    await migrate(t.ch, { database: t.database, ttlDays: 0 });
  });
  afterAll(async () => {
    await t.close();
  });

  it('reads back what was inserted, with nanosecond timestamps, maps, events and links', async () => {
    await t.ch.insertJsonEachRow(OTEL_TRACES_TABLE, body, { dedupToken: 'traces-p0-0-1' });
    const rows = await t.ch.query(
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ns, TraceId, SpanId, ParentSpanId, TraceState, SpanName,
              SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, toString(Duration) AS duration,
              StatusCode, StatusMessage,
              arrayMap(x -> toString(toUnixTimestamp64Nano(x)), Events.Timestamp) AS eventNs, Events.Name AS eventNames,
              Events.Attributes AS eventAttrs, Links.TraceId AS linkTraces, Links.SpanId AS linkSpans,
              Links.TraceState AS linkStates, Links.Attributes AS linkAttrs
       FROM ${t.database}.otel_traces WHERE TraceId = {id:String} ORDER BY Timestamp`,
      { id: '0af7651916cd43dd8448eb211c80319c' },
    );
    expect(rows).toEqual([
      {
        ns: '1704067200123456789',
        TraceId: '0af7651916cd43dd8448eb211c80319c',
        SpanId: '0102030405060708',
        ParentSpanId: '',
        TraceState: '',
        SpanName: 'GET /users/:id',
        SpanKind: 'Server',
        ServiceName: 'frontend',
        ResourceAttributes: resource,
        ScopeName: 'io.opentelemetry.http',
        ScopeVersion: '1.2.3',
        SpanAttributes: {
          'http.route': '/users/:id',
          'http.response.status_code': '500',
          'tailstream.policy': 'errors',
          'tailstream.sample_rate': '1',
        },
        duration: '250000001',
        StatusCode: 'Error',
        StatusMessage: 'boom "quoted"',
        eventNs: ['1704067200123456790', '1704067200300000001'],
        eventNames: ['exception', 'retry'],
        eventAttrs: [{ 'exception.type': 'Boom' }, {}],
        linkTraces: ['11111111111111111111111111111111'],
        linkSpans: ['2222222222222222'],
        linkStates: ['a=b'],
        linkAttrs: [{ 'link.kind': 'follows' }],
      },
      {
        ns: '1704067200200000001',
        TraceId: '0af7651916cd43dd8448eb211c80319c',
        SpanId: '1112131415161718',
        ParentSpanId: '0102030405060708',
        TraceState: 'vendor=1',
        SpanName: 'SELECT users',
        SpanKind: 'Client',
        ServiceName: 'db-proxy',
        ResourceAttributes: { 'service.name': 'db-proxy' },
        ScopeName: 'io.opentelemetry.http',
        ScopeVersion: '1.2.3',
        SpanAttributes: { 'db.system': 'postgresql' },
        duration: '0',
        StatusCode: 'Unset',
        StatusMessage: '',
        eventNs: [],
        eventNames: [],
        eventAttrs: [],
        linkTraces: [],
        linkSpans: [],
        linkStates: [],
        linkAttrs: [],
      },
    ]);
  });

  it('fills the trace-ID lookup table and serves the trace-by-ID query', async () => {
    const lookup = await t.ch.query(
      `SELECT TraceId, toUnixTimestamp(min(Start)) AS start, toUnixTimestamp(max(End)) AS end
       FROM ${t.database}.otel_traces_trace_id_ts WHERE TraceId = {id:String} GROUP BY TraceId`,
      { id: '0af7651916cd43dd8448eb211c80319c' },
    );
    expect(lookup).toEqual([{ TraceId: '0af7651916cd43dd8448eb211c80319c', start: 1_704_067_200, end: 1_704_067_200 }]);

    // The trace-by-ID query of docs/clickhouse.md.
    const spans = await t.ch.query<{ SpanId: string }>(
      `WITH {id:String} AS trace_id,
            (SELECT min(Start) FROM ${t.database}.otel_traces_trace_id_ts WHERE TraceId = trace_id) AS trace_start,
            (SELECT max(End) + 1 FROM ${t.database}.otel_traces_trace_id_ts WHERE TraceId = trace_id) AS trace_end
       SELECT SpanId FROM ${t.database}.otel_traces
       WHERE TraceId = trace_id AND Timestamp >= trace_start AND Timestamp <= trace_end
       ORDER BY Timestamp`,
      { id: '0af7651916cd43dd8448eb211c80319c' },
    );
    expect(spans.map((s) => s.SpanId)).toEqual(['0102030405060708', '1112131415161718']);
  });

  it('drops a replayed insert with the same dedup token, keeps one with a new token', async () => {
    const count = async (): Promise<string | undefined> =>
      (await t.ch.query<{ n: string }>(`SELECT count() AS n FROM ${t.database}.otel_traces`))[0]?.n;
    expect(await count()).toBe('2');
    await t.ch.insertJsonEachRow(OTEL_TRACES_TABLE, Buffer.from(body), { dedupToken: 'traces-p0-0-1' });
    expect(await count()).toBe('2');
    await t.ch.insertJsonEachRow(OTEL_TRACES_TABLE, body, { dedupToken: 'traces-p0-2-3' });
    expect(await count()).toBe('4');
    // Without a token identical content is NOT deduplicated (a random token is sent).
    await t.ch.insertJsonEachRow(OTEL_TRACES_TABLE, body);
    await t.ch.insertJsonEachRow(OTEL_TRACES_TABLE, body);
    expect(await count()).toBe('8');
  });

  it('stores trace summaries once per trace, even when replayed, and lists them in slowest_traces', async () => {
    const slow = { ...sampleSummary(), traceId: Buffer.from('aa'.repeat(16), 'hex'), durationNano: 9_000_000_000n };
    const summaries = jsonEachRow([traceSummaryRow(sampleSummary()), traceSummaryRow(slow)]);
    await t.ch.insertJsonEachRow(TRACE_SUMMARIES_TABLE, summaries, { dedupToken: 'summaries-p0-0' });
    await t.ch.insertJsonEachRow(TRACE_SUMMARIES_TABLE, summaries, { dedupToken: 'summaries-p0-0' });
    // A replay that escaped token deduplication (another token) still collapses in the view (FINAL).
    await t.ch.insertJsonEachRow(TRACE_SUMMARIES_TABLE, summaries, { dedupToken: 'summaries-other' });

    const rows = await t.ch.query(
      `SELECT TraceId, toString(toUnixTimestamp64Nano(Start)) AS startNs, DurationMs, SpanCount, ErrorCount, RootServiceName,
              RootSpanName, Services, Policy, PolicyVersion, AdjustedCount
       FROM ${t.database}.slowest_traces WHERE Start >= {from:DateTime64(9)} LIMIT 10`,
      { from: '2024-01-01 00:00:00' },
    );
    expect(rows).toEqual([
      {
        TraceId: 'aa'.repeat(16),
        startNs: '1704067200123456789',
        DurationMs: 9000,
        SpanCount: 2,
        ErrorCount: 1,
        RootServiceName: 'frontend',
        RootSpanName: 'GET /users/:id',
        Services: ['db-proxy', 'frontend'],
        Policy: 'errors',
        PolicyVersion: 'v1abc',
        AdjustedCount: 1,
      },
      expect.objectContaining({ TraceId: '0af7651916cd43dd8448eb211c80319c', DurationMs: 250.000001 }),
    ]);
  });
});

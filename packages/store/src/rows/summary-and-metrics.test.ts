import { traceSummaryRow, TRACE_SUMMARIES_COLUMNS } from './trace-summaries';
import { redMetricsRow, sortedMapJson, RED_METRICS_INGEST_COLUMNS } from './red-metrics';
import { serviceGraphEdgeRow, SERVICE_GRAPH_EDGES_INGEST_COLUMNS } from './service-graph';
import { jsonEachRow } from './json-each-row';
import { sampleSummary } from '../__fixtures__/spans';

describe('traceSummaryRow', () => {
  it('maps every field in column order', () => {
    const row = JSON.parse(traceSummaryRow(sampleSummary()));
    expect(Object.keys(row)).toEqual([...TRACE_SUMMARIES_COLUMNS]);
    expect(row).toEqual({
      TraceId: '0af7651916cd43dd8448eb211c80319c',
      Start: '1704067200.123456789',
      Duration: 250_000_001,
      SpanCount: 2,
      ErrorCount: 1,
      RootServiceName: 'frontend',
      RootSpanName: 'GET /users/:id',
      Services: ['db-proxy', 'frontend'],
      Policy: 'errors',
      PolicyVersion: 'v1abc',
      AdjustedCount: 1,
    });
  });

  it('writes a non-finite adjusted count as 0 so the line stays valid JSON', () => {
    expect(JSON.parse(traceSummaryRow({ ...sampleSummary(), adjustedCount: Infinity })).AdjustedCount).toBe(0);
  });
});

const measures = {
  bucketStartUnixSec: 1_704_067_260,
  bucketSeconds: 60,
  calls: 3,
  errors: 1,
  durationSumNano: 12_500_000n,
  bucketBoundsMs: [2, 5, 10],
  bucketCounts: [1, 1, 0, 1],
  durationValuesMs: [1.5, 4, 7],
};

describe('redMetricsRow', () => {
  it('maps every field in ingest column order, dimensions sorted by key', () => {
    const line = redMetricsRow({
      ...measures,
      serviceName: 'frontend',
      spanName: 'GET /users/:id',
      spanKind: 'Server',
      statusCode: 'Error',
      dimensions: { 'http.route': '/users/:id', 'deployment.environment': 'prod' },
    });
    const row = JSON.parse(line);
    expect(Object.keys(row)).toEqual([...RED_METRICS_INGEST_COLUMNS]);
    expect(row).toEqual({
      Bucket: '1704067260',
      BucketSeconds: 60,
      ServiceName: 'frontend',
      SpanName: 'GET /users/:id',
      SpanKind: 'Server',
      StatusCode: 'Error',
      Dimensions: { 'deployment.environment': 'prod', 'http.route': '/users/:id' },
      Calls: 3,
      Errors: 1,
      DurationSumNano: 12_500_000,
      BucketBounds: [2, 5, 10],
      BucketCounts: [1, 1, 0, 1],
      DurationValuesMs: [1.5, 4, 7],
      DurationWeights: [],
    });
    expect(line.indexOf('deployment.environment')).toBeLessThan(line.indexOf('http.route'));
  });

  it.each([
    ['counts not bounds+1', { bucketCounts: [1, 2] }, /bounds\+1/],
    ['weights of another length', { durationWeights: [1] }, /durationWeights/],
    ['a non-finite value', { durationValuesMs: [NaN] }, /non-finite/],
  ])('rejects %s', (_name, over, message) => {
    const row = { ...measures, serviceName: 's', spanName: 'n', spanKind: 'Server', statusCode: 'Unset', dimensions: {}, ...over };
    expect(() => redMetricsRow(row)).toThrow(message);
  });

  it('sortedMapJson orders keys and escapes them', () => {
    expect(sortedMapJson({ b: '2', a: '"1"' })).toBe('{"a":"\\"1\\"","b":"2"}');
    expect(sortedMapJson({})).toBe('{}');
  });
});

describe('serviceGraphEdgeRow', () => {
  it('maps every field in ingest column order', () => {
    const row = JSON.parse(
      serviceGraphEdgeRow({
        ...measures,
        clientService: 'frontend',
        serverService: 'db-proxy',
        connectionType: '',
        durationWeights: [2, 1, 1],
      }),
    );
    expect(Object.keys(row)).toEqual([...SERVICE_GRAPH_EDGES_INGEST_COLUMNS]);
    expect(row).toMatchObject({ ClientService: 'frontend', ServerService: 'db-proxy', ConnectionType: '', DurationWeights: [2, 1, 1] });
  });
});

describe('jsonEachRow', () => {
  it('joins lines with a trailing newline, and nothing for no rows', () => {
    expect(jsonEachRow(['{"a":1}', '{"a":2}'])).toBe('{"a":1}\n{"a":2}\n');
    expect(jsonEachRow([])).toBe('');
  });
});

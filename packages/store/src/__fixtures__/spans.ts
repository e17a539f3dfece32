import type { SpanBatch, SpanRecord, TraceSummary } from '@tailstream/model';

/** A small two-resource batch used by the row-mapping tests (unit and integration). */
export function sampleBatch(): SpanBatch {
  const span = (over: Partial<SpanRecord>): SpanRecord => ({
    spanId: Buffer.from('0102030405060708', 'hex'),
    parentSpanId: Buffer.alloc(0),
    traceState: '',
    flags: 1,
    name: 'GET /users/:id',
    kind: 2,
    startTimeUnixNano: 1_704_067_200_123_456_789n,
    endTimeUnixNano: 1_704_067_200_373_456_790n,
    statusCode: 2,
    statusMessage: 'boom "quoted"',
    resourceIndex: 0,
    scopeIndex: 0,
    attributes: Buffer.alloc(0),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    ...over,
  });
  return {
    traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'),
    resources: [
      { serviceName: 'frontend', attributes: Buffer.alloc(0), droppedAttributesCount: 0, schemaUrl: '' },
      { serviceName: 'db-proxy', attributes: Buffer.alloc(0), droppedAttributesCount: 0, schemaUrl: '' },
    ],
    scopes: [{ name: 'io.opentelemetry.http', version: '1.2.3', attributes: Buffer.alloc(0), droppedAttributesCount: 0, schemaUrl: '' }],
    spans: [
      span({}),
      span({
        spanId: Buffer.from('1112131415161718', 'hex'),
        parentSpanId: Buffer.from('0102030405060708', 'hex'),
        traceState: 'vendor=1',
        name: 'SELECT users',
        kind: 3,
        startTimeUnixNano: 1_704_067_200_200_000_001n,
        endTimeUnixNano: 1_704_067_200_200_000_000n,
        statusCode: 0,
        statusMessage: '',
        resourceIndex: 1,
      }),
    ],
    receivedAtUnixNano: 0n,
  };
}

export function sampleSummary(): TraceSummary {
  return {
    traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex'),
    startTimeUnixNano: 1_704_067_200_123_456_789n,
    durationNano: 250_000_001n,
    spanCount: 2,
    errorCount: 1,
    rootServiceName: 'frontend',
    rootSpanName: 'GET /users/:id',
    services: ['db-proxy', 'frontend'],
    policy: 'errors',
    policyVersion: 'v1abc',
    adjustedCount: 1,
  };
}

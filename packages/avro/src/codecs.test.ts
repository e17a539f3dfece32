import type { SpanBatch } from '@tailstream/model';
import { loadType, SchemaError } from './codec';
import { decisionCodec, keptSpanBatchCodec, spanBatchCodec, traceSummaryCodec } from './codecs';

function batch(): SpanBatch {
  return {
    traceId: Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex'),
    resources: [{ serviceName: 'checkout', attributes: Buffer.from([0x0a, 0x01, 0x0a]), droppedAttributesCount: 0, schemaUrl: '' }],
    scopes: [{ name: 'io.opentelemetry.http', version: '1.2.3', attributes: Buffer.alloc(0), droppedAttributesCount: 1, schemaUrl: 's' }],
    spans: [
      {
        spanId: Buffer.from('1112131415161718', 'hex'),
        parentSpanId: Buffer.alloc(0),
        traceState: 'vendor=1',
        flags: 1,
        name: 'GET /cart',
        kind: 2,
        // beyond 2^53: nanosecond precision must survive
        startTimeUnixNano: 1_764_100_000_123_456_789n,
        endTimeUnixNano: 1_764_100_000_223_456_789n,
        statusCode: 2,
        statusMessage: 'boom',
        resourceIndex: 0,
        scopeIndex: 0,
        attributes: Buffer.from([1, 2, 3]),
        droppedAttributesCount: 2,
        events: [Buffer.from([4, 5])],
        droppedEventsCount: 3,
        links: [Buffer.from([6]), Buffer.from([7])],
        droppedLinksCount: 4,
      },
    ],
    receivedAtUnixNano: 1_764_100_001_000_000_001n,
  };
}

describe('span batch codec', () => {
  it('round-trips every field, nanoseconds included', () => {
    const codec = spanBatchCodec();
    const decoded = codec.decode(codec.encode(batch()), 'span-batch.v2');
    expect(decoded).toEqual(batch());
    expect(decoded.spans[0]?.startTimeUnixNano).toBe(1_764_100_000_123_456_789n);
  });

  it('reads a record written with the previous schema version (v1) through a resolver', () => {
    const v1 = loadType('span-batch.v1');
    const { receivedAtUnixNano: _dropped, ...v1Value } = batch();
    const written = v1.toBuffer(v1Value);
    const decoded = spanBatchCodec().decode(written, 'span-batch.v1');
    expect(decoded.receivedAtUnixNano).toBe(0n);
    expect(decoded.spans).toEqual(batch().spans);
    expect(decoded.traceId.equals(batch().traceId)).toBe(true);
  });

  it('names the problem for a missing or unknown writer schema and for garbage bytes', () => {
    const codec = spanBatchCodec();
    const buf = codec.encode(batch());
    expect(() => codec.decode(buf, undefined)).toThrow(/no tailstream-schema header/);
    expect(() => codec.decode(buf, 'span-batch.v9')).toThrow(/unknown writer schema span-batch.v9/);
    expect(() => codec.decode(Buffer.from([0xff, 0xff, 0xff]), 'span-batch.v2')).toThrow(SchemaError);
  });
});

describe('decision, kept batch and summary codecs', () => {
  const decision = {
    traceId: batch().traceId,
    sampled: true,
    policy: 'errors',
    policyVersion: 'abc123',
    adjustedCount: 10,
    spanCount: 1,
    decidedAtUnixMs: 1_764_100_002_000n,
  };

  it('round-trips a decision', () => {
    const codec = decisionCodec();
    expect(codec.decode(codec.encode(decision as never), codec.schemaId)).toEqual(decision);
  });

  it('round-trips a kept span batch with its decision', () => {
    const codec = keptSpanBatchCodec();
    const value = { decision, batch: batch() };
    expect(codec.decode(codec.encode(value as never), codec.schemaId)).toEqual(value);
  });

  it('round-trips a trace summary', () => {
    const codec = traceSummaryCodec();
    const summary = {
      traceId: batch().traceId,
      startTimeUnixNano: 1_764_100_000_123_456_789n,
      durationNano: 100_000_000n,
      spanCount: 3,
      errorCount: 1,
      rootServiceName: 'gateway',
      rootSpanName: 'GET /',
      services: ['cart', 'gateway'],
      policy: 'errors',
      policyVersion: 'abc123',
      adjustedCount: 1,
    };
    expect(codec.decode(codec.encode(summary), codec.schemaId)).toEqual(summary);
  });
});

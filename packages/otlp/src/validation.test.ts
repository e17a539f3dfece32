import type { SpanRecord } from '@tailstream/model';
import { decodeOtlpTraces } from './decode';
import { encodeExportTraceServiceRequest } from './encode';
import type { OtlpDecodeOptions } from './options';
import { NOW_NS, SECOND_NS, batch, span, traceIdOf } from './test-support/records';
import { REJECT_REASONS, RejectReason } from './validation';

const opts: OtlpDecodeOptions = { nowNs: NOW_NS, maxPastNs: 3600n * SECOND_NS, maxFutureNs: 60n * SECOND_NS };

/** Decodes a request holding one valid span (trace 1) and the span under test (trace 2). */
function decodeWith(traceId: Buffer, bad: Partial<SpanRecord>, options: OtlpDecodeOptions = opts) {
  const good = batch(1, [span(1)]);
  const tested = { ...batch(2, [span(2, bad)]), traceId };
  return decodeOtlpTraces(encodeExportTraceServiceRequest([good, tested]), 'protobuf', options);
}

const T2 = traceIdOf(2);
const CASES: Array<[string, Buffer, Partial<SpanRecord>, RejectReason | undefined]> = [
  ['valid span', T2, {}, undefined],
  ['trace ID of 15 bytes', Buffer.alloc(15, 1), {}, RejectReason.InvalidTraceId],
  ['trace ID of 17 bytes', Buffer.alloc(17, 1), {}, RejectReason.InvalidTraceId],
  ['empty trace ID', Buffer.alloc(0), {}, RejectReason.InvalidTraceId],
  ['all-zero trace ID', Buffer.alloc(16), {}, RejectReason.InvalidTraceId],
  ['span ID of 7 bytes', T2, { spanId: Buffer.alloc(7, 1) }, RejectReason.InvalidSpanId],
  ['empty span ID', T2, { spanId: Buffer.alloc(0) }, RejectReason.InvalidSpanId],
  ['all-zero span ID', T2, { spanId: Buffer.alloc(8) }, RejectReason.InvalidSpanId],
  ['parent span ID of 4 bytes', T2, { parentSpanId: Buffer.alloc(4, 1) }, RejectReason.InvalidParentSpanId],
  ['parent span ID of 16 bytes', T2, { parentSpanId: Buffer.alloc(16, 1) }, RejectReason.InvalidParentSpanId],
  ['8-byte parent span ID', T2, { parentSpanId: Buffer.alloc(8, 1) }, undefined],
  ['all-zero 8-byte parent (means root)', T2, { parentSpanId: Buffer.alloc(8) }, undefined],
  ['empty name', T2, { name: '' }, RejectReason.MissingName],
  ['zero start', T2, { startTimeUnixNano: 0n }, RejectReason.ZeroTimestamp],
  ['zero end', T2, { endTimeUnixNano: 0n }, RejectReason.ZeroTimestamp],
  ['end 1ns before start', T2, { startTimeUnixNano: NOW_NS - 5n, endTimeUnixNano: NOW_NS - 6n }, RejectReason.EndBeforeStart],
  ['end equal to start', T2, { startTimeUnixNano: NOW_NS - 5n, endTimeUnixNano: NOW_NS - 5n }, undefined],
  ['start exactly maxPast ago', T2, { startTimeUnixNano: NOW_NS - 3600n * SECOND_NS }, undefined],
  ['start 1ns older than maxPast', T2, { startTimeUnixNano: NOW_NS - 3600n * SECOND_NS - 1n }, RejectReason.TimestampOutOfRange],
  ['end exactly maxFuture ahead', T2, { endTimeUnixNano: NOW_NS + 60n * SECOND_NS }, undefined],
  ['end 1ns beyond maxFuture', T2, { endTimeUnixNano: NOW_NS + 60n * SECOND_NS + 1n }, RejectReason.TimestampOutOfRange],
  [
    'start and end in the far future',
    T2,
    { startTimeUnixNano: NOW_NS * 2n, endTimeUnixNano: NOW_NS * 2n },
    RejectReason.TimestampOutOfRange,
  ],
  // First failing rule wins.
  ['bad span ID and empty name', T2, { spanId: Buffer.alloc(0), name: '' }, RejectReason.InvalidSpanId],
  ['empty name and zero start', T2, { name: '', startTimeUnixNano: 0n }, RejectReason.MissingName],
];

describe('per-span validation', () => {
  test.each(CASES)('%s', (_label, traceId, bad, expected) => {
    const result = decodeWith(traceId, bad);
    if (expected === undefined) {
      expect(result.accepted).toBe(2);
      expect(result.rejectedCount).toBe(0);
      expect(result.batches).toHaveLength(2);
      return;
    }
    // The valid span of the same request is kept.
    expect(result.accepted).toBe(1);
    expect(result.batches).toHaveLength(1);
    expect(result.batches[0]?.spans[0]?.name).toBe('span-1');
    expect(result.rejectedCount).toBe(1);
    expect([...result.rejected]).toEqual([[expected, 1]]);
    expect(result.firstErrorMessage).toContain(expected);
  });

  test('an all-zero 8-byte parent is normalized to "no parent"', () => {
    const result = decodeWith(T2, { parentSpanId: Buffer.alloc(8) });
    expect(result.batches[1]?.spans[0]?.parentSpanId).toEqual(Buffer.alloc(0));
  });

  test('counts per reason, first message describes the first rejected span', () => {
    const spans = [
      span(1, { name: '' }),
      span(2),
      span(3, { startTimeUnixNano: 0n }),
      span(4, { name: '' }),
      span(5, { spanId: Buffer.alloc(8) }),
    ];
    const result = decodeOtlpTraces(encodeExportTraceServiceRequest([batch(7, spans)]), 'protobuf', opts);
    expect(result.accepted).toBe(1);
    expect(result.rejectedCount).toBe(4);
    expect(Object.fromEntries(result.rejected)).toEqual({ missing_name: 2, zero_timestamp: 1, invalid_span_id: 1 });
    expect(result.firstErrorMessage).toBe(
      'span rejected: missing_name: span name is empty (trace 00000000000000000000000000000007, span 0000000000000001)',
    );
  });

  test('default window: 7 days back, 1 hour ahead of the injected now', () => {
    const day = 24n * 3600n * SECOND_NS;
    const base = { nowNs: NOW_NS };
    expect(decodeWith(T2, { startTimeUnixNano: NOW_NS - 7n * day }, base).rejectedCount).toBe(0);
    expect(decodeWith(T2, { startTimeUnixNano: NOW_NS - 7n * day - 1n }, base).rejectedCount).toBe(1);
    expect(decodeWith(T2, { endTimeUnixNano: NOW_NS + 3600n * SECOND_NS }, base).rejectedCount).toBe(0);
    expect(decodeWith(T2, { endTimeUnixNano: NOW_NS + 3600n * SECOND_NS + 1n }, base).rejectedCount).toBe(1);
  });

  test('without nowNs the clock is used', () => {
    const wallNow = BigInt(Date.now()) * 1_000_000n;
    const fresh = span(1, { startTimeUnixNano: wallNow - SECOND_NS, endTimeUnixNano: wallNow - SECOND_NS + 1000n });
    const stale = span(2, { startTimeUnixNano: wallNow - 30n * 24n * 3600n * SECOND_NS, endTimeUnixNano: wallNow });
    const result = decodeOtlpTraces(encodeExportTraceServiceRequest([batch(1, [fresh, stale])]), 'protobuf');
    expect(result.accepted).toBe(1);
    expect([...result.rejected.keys()]).toEqual(['timestamp_out_of_range']);
  });

  test('REJECT_REASONS lists every reason code once', () => {
    expect(REJECT_REASONS).toEqual([
      'invalid_trace_id',
      'invalid_span_id',
      'invalid_parent_span_id',
      'missing_name',
      'zero_timestamp',
      'end_before_start',
      'timestamp_out_of_range',
    ]);
  });

  test('negative bounds are a configuration error', () => {
    expect(() => decodeOtlpTraces(Buffer.alloc(0), 'protobuf', { maxPastNs: -1n })).toThrow(RangeError);
  });
});

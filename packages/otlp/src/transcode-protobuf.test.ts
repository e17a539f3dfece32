import { SPAN_BATCH_SCHEMA_ID, spanBatchCodec } from '@tailstream/avro';
import type { SpanBatch, SpanRecord } from '@tailstream/model';
import { encodeKeyValueList } from './attributes';
import { transcodeOtlpTraces } from './decode';
import { encodeExportTraceServiceRequest } from './encode';
import { Writer } from './protobuf';
import { FIXTURE_NOW_NS, makeSdkFixture } from './test-support/sdk-spans';
import { NOW_NS, SECOND_NS, batch, resource, scope, span, spanIdOf, traceIdOf } from './test-support/records';

const codec = spanBatchCodec();

/** Re-encodes a transcoded message through the reference encoder: the bytes must not change. */
function expectCanonical(value: Buffer): SpanBatch {
  const decoded = codec.decode(value, SPAN_BATCH_SCHEMA_ID);
  expect(codec.encode(decoded).equals(value)).toBe(true);
  return decoded;
}

/** Batches of several traces, resources and scopes, with events, links and attributes of varied sizes. */
function mixedBatches(): SpanBatch[] {
  const out: SpanBatch[] = [];
  for (let t = 1; t <= 12; t++) {
    const spans: SpanRecord[] = [];
    for (let i = 0; i < (t % 5) + 1; i++) {
      const n = t * 100 + i;
      spans.push(
        span(n, {
          parentSpanId: i === 0 ? Buffer.alloc(0) : spanIdOf(t * 100),
          traceState: t % 3 === 0 ? `k=v${n}` : '',
          statusCode: i % 3,
          statusMessage: i % 3 === 2 ? `failed ${n} ✗` : '',
          attributes: encodeKeyValueList(
            Array.from({ length: (n % 17) + 1 }, (_, k) => ({ key: `attr.${k}`, value: { string: 'x'.repeat((n * (k + 1)) % 90) } })),
          ),
          events: i % 2 === 0 ? [Buffer.from([0x12, 0x02, 0x65, 0x76])] : [],
          links: i % 4 === 1 ? [Buffer.concat([Buffer.from([0x0a, 0x10]), traceIdOf(7), Buffer.from([0x12, 0x08]), spanIdOf(7)])] : [],
          droppedAttributesCount: i,
          startTimeUnixNano: NOW_NS - BigInt(n) * SECOND_NS,
          endTimeUnixNano: NOW_NS - BigInt(n) * SECOND_NS + BigInt(n * 1_000_003),
        }),
      );
    }
    out.push(batch(t, spans, resource(`svc-${t % 3}`), scope(`scope-${t % 2}`)));
  }
  return out;
}

describe('transcodeOtlpTraces', () => {
  test('writes exactly what the reference Avro encoder writes for the decoded batches', () => {
    const body = encodeExportTraceServiceRequest(mixedBatches());
    const result = transcodeOtlpTraces(body, 'protobuf', { nowNs: NOW_NS });
    expect(result.messages).toHaveLength(12);
    for (const m of result.messages) {
      const decoded = expectCanonical(m.value);
      expect(m.traceId.equals(decoded.traceId)).toBe(true);
      expect(m.spanCount).toBe(decoded.spans.length);
      expect(decoded.receivedAtUnixNano).toBe(NOW_NS);
    }
    expect(result.messages.reduce((n, m) => n + m.spanCount, 0)).toBe(result.accepted);
  });

  test('a body given as the chunks it arrived in transcodes as the whole body does, wherever it is split', () => {
    const body = encodeExportTraceServiceRequest(mixedBatches());
    const whole = transcodeOtlpTraces(body, 'protobuf', { nowNs: NOW_NS });
    const cuts = [[1], [body.length - 1], [7, 8, 9], [100, 4000, 4001, body.length >> 1], Array.from({ length: 40 }, (_, i) => Math.floor(((i + 1) * body.length) / 41))];
    for (const at of cuts) {
      const chunks = [0, ...at].map((start, i) => Buffer.from(body.subarray(start, at[i] ?? body.length)));
      expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(body.length);
      const result = transcodeOtlpTraces(chunks, 'protobuf', { nowNs: NOW_NS });
      expect(result.messages.map((m) => m.value.toString('hex'))).toEqual(whole.messages.map((m) => m.value.toString('hex')));
      expect(result.accepted).toBe(whole.accepted);
    }
    // JSON bodies in chunks are joined first
    const json = Buffer.from(JSON.stringify({ resourceSpans: [] }));
    expect(transcodeOtlpTraces([json.subarray(0, 5), json.subarray(5)], 'json').messages).toEqual([]);
  });

  test('messages stay intact after the next request is transcoded (they never point into the arena)', () => {
    const first = transcodeOtlpTraces(encodeExportTraceServiceRequest(mixedBatches()), 'protobuf', { nowNs: NOW_NS });
    const saved = first.messages.map((m) => [m.traceId.toString('hex'), m.value.toString('hex')]);
    transcodeOtlpTraces([encodeExportTraceServiceRequest(mixedBatches().reverse())], 'protobuf', { nowNs: NOW_NS + SECOND_NS });
    expect(first.messages.map((m) => [m.traceId.toString('hex'), m.value.toString('hex')])).toEqual(saved);
  });

  test('SDK-made fixtures transcode canonically, every span accounted for', () => {
    const fixture = makeSdkFixture();
    const result = transcodeOtlpTraces(fixture.protobuf, 'protobuf', { nowNs: FIXTURE_NOW_NS });
    expect(result.accepted).toBe(fixture.spans.length);
    for (const m of result.messages) expectCanonical(m.value);
  });

  test('spans of a trace spread over resources and scopes land in one message with local indexes', () => {
    const a = batch(1, [span(1)], resource('front'), scope('s1'));
    const b = batch(2, [span(2)], resource('back'), scope('s2'));
    const c = batch(1, [span(3)], resource('back'), scope('s2'));
    const result = transcodeOtlpTraces(encodeExportTraceServiceRequest([a, b, c]), 'protobuf', { nowNs: NOW_NS });
    expect(result.messages.map((m) => m.traceId.toString('hex'))).toEqual([traceIdOf(1).toString('hex'), traceIdOf(2).toString('hex')]);
    const first = expectCanonical(result.messages[0]!.value);
    expect(first.resources.map((r) => r.serviceName)).toEqual(['front', 'back']);
    expect(first.spans.map((s) => [s.resourceIndex, s.scopeIndex])).toEqual([
      [0, 0],
      [1, 1],
    ]);
    const second = expectCanonical(result.messages[1]!.value);
    expect(second.resources.map((r) => r.serviceName)).toEqual(['back']);
    expect(second.spans[0]).toMatchObject({ resourceIndex: 0, scopeIndex: 0 });
  });

  test('never modifies the request body', () => {
    const body = Buffer.from(encodeExportTraceServiceRequest(mixedBatches()));
    const before = Buffer.from(body);
    transcodeOtlpTraces(body, 'protobuf', { nowNs: NOW_NS, maxAttributesPerSpan: 3, maxAttributeValueLength: 10 });
    expect(body.equals(before)).toBe(true);
  });

  test('attributes not adjacent in the span are gathered, in order, into one KeyValueList', () => {
    const kv = (key: string) => encodeKeyValueList([{ key, value: { string: key } }]).subarray(2);
    const w = Writer.create();
    w.uint32(0x0a).fork(); // ResourceSpans
    w.uint32(0x12).fork(); // ScopeSpans
    w.uint32(0x12).fork(); // Span
    w.uint32(0x4a).bytes(kv('first'));
    w.uint32(0x0a).bytes(traceIdOf(9));
    w.uint32(0x12).bytes(spanIdOf(9));
    w.uint32(0x4a).bytes(kv('second'));
    w.uint32(0x2a).string('gathered');
    w.uint32(0x39).fixed64(String(NOW_NS - 2n * SECOND_NS));
    w.uint32(0x41).fixed64(String(NOW_NS - SECOND_NS));
    w.uint32(0x4a).bytes(kv('third'));
    w.ldelim().ldelim().ldelim();
    const result = transcodeOtlpTraces(w.finish(), 'protobuf', { nowNs: NOW_NS });
    const decoded = expectCanonical(result.messages[0]!.value);
    expect(decoded.spans[0]!.attributes.equals(encodeKeyValueList(['first', 'second', 'third'].map((k) => ({ key: k, value: { string: k } }))))).toBe(true);
  });

  test('span names that are not UTF-8 are kept as sent and decode with U+FFFD', () => {
    const w = Writer.create();
    w.uint32(0x0a).fork().uint32(0x12).fork().uint32(0x12).fork();
    w.uint32(0x0a).bytes(traceIdOf(3));
    w.uint32(0x12).bytes(spanIdOf(3));
    w.uint32(0x2a).bytes(Buffer.from([0x61, 0xff, 0x62]));
    w.uint32(0x39).fixed64(String(NOW_NS - 2n * SECOND_NS));
    w.uint32(0x41).fixed64(String(NOW_NS - SECOND_NS));
    w.ldelim().ldelim().ldelim();
    const result = transcodeOtlpTraces(w.finish(), 'protobuf', { nowNs: NOW_NS });
    expect(codec.decode(result.messages[0]!.value, SPAN_BATCH_SCHEMA_ID).spans[0]!.name).toBe('a\ufffdb');
  });

  test('timestamps compare as unsigned 64-bit values, also beyond the signed range', () => {
    const max = (1n << 64n) - 1n;
    const tooLate = batch(1, [span(1, { startTimeUnixNano: NOW_NS, endTimeUnixNano: max })]);
    const late = transcodeOtlpTraces(encodeExportTraceServiceRequest([tooLate]), 'protobuf', { nowNs: NOW_NS, maxFutureNs: max });
    // now + maxFuture is beyond 2^64 - 1, so the largest fixed64 is inside the window
    expect(late.accepted).toBe(1);
    // Avro longs are signed: the same 64 bits come back as -1
    expect(BigInt.asUintN(64, codec.decode(late.messages[0]!.value, SPAN_BATCH_SCHEMA_ID).spans[0]!.endTimeUnixNano)).toBe(max);
    // a window reaching before the epoch accepts the earliest non-zero timestamp
    const early = batch(2, [span(2, { startTimeUnixNano: 1n, endTimeUnixNano: 2n })]);
    expect(transcodeOtlpTraces(encodeExportTraceServiceRequest([early]), 'protobuf', { nowNs: NOW_NS, maxPastNs: NOW_NS * 2n }).accepted).toBe(1);
    // end before start differs only in the low word
    const backwards = batch(3, [span(3, { startTimeUnixNano: NOW_NS - SECOND_NS, endTimeUnixNano: NOW_NS - SECOND_NS - 1n })]);
    expect(transcodeOtlpTraces(encodeExportTraceServiceRequest([backwards]), 'protobuf', { nowNs: NOW_NS }).rejected).toEqual(new Map([['end_before_start', 1]]));
  });

  test('a fixed64 timestamp cut short by the end of its span is a decode error', () => {
    const w = Writer.create();
    w.uint32(0x0a).fork().uint32(0x12).fork();
    w.uint32(0x12).bytes(Buffer.from([0x39, 1, 2, 3])); // Span with start_time_unix_nano of 3 bytes
    w.ldelim().ldelim();
    expect(() => transcodeOtlpTraces(w.finish(), 'protobuf', { nowNs: NOW_NS })).toThrow(/fixed64 overruns/);
  });
});

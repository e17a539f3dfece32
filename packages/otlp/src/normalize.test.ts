import type { KeyValue } from './any-value';
import { decodeKeyValueList, encodeKeyValueList } from './attributes';
import { decodeOtlpTraces } from './decode';
import { encodeExportTraceServiceRequest } from './encode';
import { decodeEvent, decodeLink } from './event-link';
import { truncateCodePoints } from './kvlist-bytes';
import type { OtlpDecodeOptions } from './options';
import { OTLP_TYPES, otlpType } from './proto-root';
import { Writer } from './protobuf';
import { NOW_NS, SECOND_NS, batch, span, traceIdOf } from './test-support/records';

const attrs = (n: number): KeyValue[] => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: { int: BigInt(i) } }));

function eventBytes(i: number): Buffer {
  const Event = otlpType(OTLP_TYPES.event);
  return Event.encode(Event.fromObject({ timeUnixNano: String(NOW_NS - 5n * SECOND_NS + BigInt(i)), name: `e${i}` })).finish() as Buffer;
}
function linkBytes(i: number): Buffer {
  const Link = otlpType(OTLP_TYPES.link);
  return Link.encode(Link.fromObject({ traceId: traceIdOf(100 + i), spanId: Buffer.alloc(8, i + 1) })).finish() as Buffer;
}

function decodeOne(overrides: Parameters<typeof span>[1], options: OtlpDecodeOptions) {
  const body = encodeExportTraceServiceRequest([batch(1, [span(1, overrides)])]);
  const result = decodeOtlpTraces(body, 'protobuf', { nowNs: NOW_NS, ...options });
  const decoded = result.batches[0]?.spans[0];
  if (decoded === undefined) throw new Error('span not accepted');
  return { result, decoded };
}

describe('normalization limits (truncate and count)', () => {
  test('attribute count: keeps the first N, adds the rest to droppedAttributesCount', () => {
    const { result, decoded } = decodeOne(
      { attributes: encodeKeyValueList(attrs(10)), droppedAttributesCount: 3 },
      { maxAttributesPerSpan: 4 },
    );
    expect(decodeKeyValueList(decoded.attributes)).toEqual(attrs(4));
    expect(decoded.droppedAttributesCount).toBe(3 + 6);
    expect(result.truncations).toEqual({ attributes: 6, attributeValues: 0, events: 0, links: 0 });
  });

  test('attribute count limit 0 drops every attribute', () => {
    const { decoded } = decodeOne({ attributes: encodeKeyValueList(attrs(3)) }, { maxAttributesPerSpan: 0 });
    expect(decoded.attributes).toHaveLength(0);
    expect(decoded.droppedAttributesCount).toBe(3);
  });

  test('default attribute count limit is 128', () => {
    const { decoded } = decodeOne({ attributes: encodeKeyValueList(attrs(130)) }, {});
    expect(decodeKeyValueList(decoded.attributes)).toHaveLength(128);
    expect(decoded.droppedAttributesCount).toBe(2);
  });

  test('attribute value length: only string values over the limit are cut, in code points', () => {
    const entries: KeyValue[] = [
      { key: 'short', value: { string: 'abcde' } },
      { key: 'long', value: { string: 'abcdefghij' } },
      { key: 'emoji', value: { string: '😀😀😀😀😀😀' } }, // 6 code points, 12 UTF-16 units, 24 bytes
      { key: 'accents', value: { string: 'ééééé' } }, // 5 code points, 10 bytes: not cut
      { key: 'bytes', value: { bytes: Buffer.alloc(50, 7) } },
      { key: 'array', value: { array: [{ string: 'a very long string inside an array' }] } },
      { key: 'a-very-long-key-name', value: { int: 1n } },
    ];
    const { result, decoded } = decodeOne({ attributes: encodeKeyValueList(entries) }, { maxAttributeValueLength: 5 });
    expect(decodeKeyValueList(decoded.attributes)).toEqual([
      { key: 'short', value: { string: 'abcde' } },
      { key: 'long', value: { string: 'abcde' } },
      { key: 'emoji', value: { string: '😀😀😀😀😀' } },
      { key: 'accents', value: { string: 'ééééé' } },
      { key: 'bytes', value: { bytes: Buffer.alloc(50, 7) } },
      { key: 'array', value: { array: [{ string: 'a very long string inside an array' }] } },
      { key: 'a-very-long-key-name', value: { int: 1n } },
    ]);
    expect(result.truncations.attributeValues).toBe(2);
    expect(decoded.droppedAttributesCount).toBe(0);
  });

  test('no value over the limit: attribute bytes are untouched', () => {
    const list = encodeKeyValueList(attrs(5));
    const { result, decoded } = decodeOne({ attributes: list }, { maxAttributeValueLength: 1 });
    expect(decoded.attributes.equals(list)).toBe(true);
    expect(result.truncations.attributeValues).toBe(0);
  });

  test('events and links: keep the first N, count the rest', () => {
    const events = [0, 1, 2, 3, 4].map(eventBytes);
    const links = [0, 1, 2].map(linkBytes);
    const { result, decoded } = decodeOne(
      { events, links, droppedEventsCount: 1, droppedLinksCount: 2 },
      { maxEventsPerSpan: 2, maxLinksPerSpan: 1 },
    );
    expect(decoded.events.map((e) => decodeEvent(e).name)).toEqual(['e0', 'e1']);
    expect(decoded.droppedEventsCount).toBe(1 + 3);
    expect(decoded.links.map((l) => decodeLink(l).traceId)).toEqual([traceIdOf(100)]);
    expect(decoded.droppedLinksCount).toBe(2 + 2);
    expect(result.truncations).toEqual({ attributes: 0, attributeValues: 0, events: 3, links: 2 });
  });

  test('truncation counts add up over the spans of a request', () => {
    const spans = [1, 2, 3].map((n) => span(n, { attributes: encodeKeyValueList(attrs(5)), events: [0, 1].map(eventBytes) }));
    const body = encodeExportTraceServiceRequest([batch(1, spans)]);
    const result = decodeOtlpTraces(body, 'protobuf', { nowNs: NOW_NS, maxAttributesPerSpan: 3, maxEventsPerSpan: 1 });
    expect(result.truncations).toEqual({ attributes: 6, attributeValues: 0, events: 3, links: 0 });
  });

  test('invalid limits are rejected', () => {
    expect(() => decodeOtlpTraces(Buffer.alloc(0), 'protobuf', { maxAttributesPerSpan: -1 })).toThrow(RangeError);
    expect(() => decodeOtlpTraces(Buffer.alloc(0), 'protobuf', { maxEventsPerSpan: 1.5 })).toThrow(RangeError);
    expect(decodeOtlpTraces(Buffer.alloc(0), 'protobuf', { maxLinksPerSpan: Infinity }).accepted).toBe(0);
  });

  test('attributes interleaved with other span fields are gathered in order', () => {
    // A legal but unusual field order: attributes (9) split around the name (5) and times.
    const w = Writer.create();
    // The KeyValue bytes: a one-entry KeyValueList without its tag and (one-byte) length.
    const kv = (key: string, v: string) => encodeKeyValueList([{ key, value: { string: v } }]).subarray(2);
    const spanW = Writer.create();
    spanW.uint32(0x0a).bytes(traceIdOf(1));
    spanW.uint32(0x12).bytes(Buffer.alloc(8, 1));
    spanW.uint32(0x4a).bytes(kv('first', '1'));
    spanW.uint32(0x2a).string('interleaved');
    spanW.uint32(0x4a).bytes(kv('second', '2'));
    spanW.uint32(0x39).fixed64(String(NOW_NS - 2n * SECOND_NS));
    spanW.uint32(0x4a).bytes(kv('third', '3'));
    spanW.uint32(0x41).fixed64(String(NOW_NS - SECOND_NS));
    const spanBytes = spanW.finish();
    w.uint32(0x0a).fork().uint32(0x12).fork().uint32(0x12).bytes(spanBytes).ldelim().ldelim();
    const result = decodeOtlpTraces(w.finish(), 'protobuf', { nowNs: NOW_NS, maxAttributesPerSpan: 2 });
    const decoded = result.batches[0]?.spans[0];
    expect(decoded?.name).toBe('interleaved');
    expect(decodeKeyValueList(decoded?.attributes ?? Buffer.alloc(0))).toEqual([
      { key: 'first', value: { string: '1' } },
      { key: 'second', value: { string: '2' } },
    ]);
    expect(decoded?.droppedAttributesCount).toBe(1);
  });
});

describe('truncateCodePoints', () => {
  test.each([
    ['abc', 5, 'abc'],
    ['abcdef', 3, 'abc'],
    ['😀😀😀', 2, '😀😀'],
    ['a😀b', 2, 'a😀'],
    ['ab', 0, ''],
    ['\ud800x', 1, '\ud800'], // lone surrogate counts as one
  ])('%j cut to %d', (input, max, expected) => {
    expect(truncateCodePoints(input, max)).toBe(expected);
  });
});

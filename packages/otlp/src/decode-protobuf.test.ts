import type { KeyValue } from './any-value';
import { decodeKeyValueList, encodeKeyValueList } from './attributes';
import { decodeOtlpTraces } from './decode';
import { OtlpDecodeError } from './errors';
import { Writer } from './protobuf';
import { FIXTURE_NOW_NS, makeSdkFixture } from './test-support/sdk-spans';
import { NOW_NS, SECOND_NS, traceIdOf } from './test-support/records';

/** Minimal valid span bytes (trace n, span n). */
function spanBytes(n: number): Uint8Array {
  const w = Writer.create();
  w.uint32(0x0a).bytes(traceIdOf(n));
  w.uint32(0x12).bytes(Buffer.alloc(8, n));
  w.uint32(0x2a).string(`s${n}`);
  w.uint32(0x39).fixed64(String(NOW_NS - 2n * SECOND_NS));
  w.uint32(0x41).fixed64(String(NOW_NS - SECOND_NS));
  return w.finish();
}

/** KeyValue entries written as repeated field `tag` (Resource: 0x0a, InstrumentationScope: 0x1a). */
function writeEntries(w: Writer, tag: number, entries: KeyValue[]): void {
  for (const e of entries) w.uint32(tag).bytes(encodeKeyValueList([e]).subarray(2));
}

function decode(body: Uint8Array) {
  return decodeOtlpTraces(body, 'protobuf', { nowNs: NOW_NS });
}

function expectDecodeError(body: Uint8Array | string, encoding: 'protobuf' | 'json' = 'protobuf', reason = 'invalid_protobuf'): void {
  let caught: unknown;
  try {
    decodeOtlpTraces(body, encoding, { nowNs: NOW_NS });
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(OtlpDecodeError);
  expect((caught as OtlpDecodeError).reason).toBe(reason);
}

describe('resources and scopes', () => {
  function withResource(write: (w: Writer) => void, schemaUrlLast = true): Uint8Array {
    const w = Writer.create();
    w.uint32(0x0a).fork();
    if (!schemaUrlLast) w.uint32(0x1a).string('early-schema');
    w.uint32(0x0a).fork();
    write(w);
    w.ldelim();
    w.uint32(0x12).fork().uint32(0x12).bytes(spanBytes(1)).ldelim();
    if (schemaUrlLast) w.uint32(0x1a).string('late-schema');
    w.ldelim();
    return w.finish();
  }
  const serviceOf = (body: Uint8Array) => decode(body).batches[0]?.resources[0]?.serviceName;

  test.each<[string, KeyValue[], string]>([
    ['string service.name', [{ key: 'service.name', value: { string: 'shop' } }], 'shop'],
    [
      'not the first attribute',
      [
        { key: 'a', value: { int: 1n } },
        { key: 'service.name', value: { string: 'shop' } },
      ],
      'shop',
    ],
    [
      'first of two wins',
      [
        { key: 'service.name', value: { string: 'one' } },
        { key: 'service.name', value: { string: 'two' } },
      ],
      'one',
    ],
    ['non-string value, AsString', [{ key: 'service.name', value: { int: 123n } }], '123'],
    ['empty string: fallback', [{ key: 'service.name', value: { string: '' } }], 'unknown_service'],
    ['missing: fallback', [{ key: 'service.namespace', value: { string: 'x' } }], 'unknown_service'],
    ['no attributes: fallback', [], 'unknown_service'],
  ])('service name: %s', (_label, entries, expected) => {
    expect(serviceOf(withResource((w) => writeEntries(w, 0x0a, entries)))).toBe(expected);
  });

  test('no resource at all: fallback service, empty attributes', () => {
    const w = Writer.create();
    w.uint32(0x0a).fork().uint32(0x12).fork().uint32(0x12).bytes(spanBytes(1)).ldelim().ldelim();
    expect(decode(w.finish()).batches[0]?.resources[0]).toEqual({
      serviceName: 'unknown_service',
      attributes: Buffer.alloc(0),
      droppedAttributesCount: 0,
      schemaUrl: '',
    });
  });

  test('resource attributes keep every entry even when split by other fields; unknown fields skipped', () => {
    const entries: KeyValue[] = [
      { key: 'service.name', value: { string: 'shop' } },
      { key: 'host', value: { string: 'h1' } },
    ];
    const body = withResource((w) => {
      writeEntries(w, 0x0a, entries.slice(0, 1));
      w.uint32(0x10).uint32(5); // dropped_attributes_count in between
      w.uint32(0x1a).bytes(Buffer.from([0x0a, 0x01, 0x78])); // entity_refs (field 3): unknown here
      writeEntries(w, 0x0a, entries.slice(1));
    });
    const resource = decode(body).batches[0]?.resources[0];
    expect(decodeKeyValueList(resource?.attributes ?? Buffer.alloc(0))).toEqual(entries);
    expect(resource?.droppedAttributesCount).toBe(5);
    expect(resource?.schemaUrl).toBe('late-schema');
  });

  test('schema URL before or after the spans', () => {
    const early = withResource((w) => writeEntries(w, 0x0a, []), false);
    expect(decode(early).batches[0]?.resources[0]?.schemaUrl).toBe('early-schema');
  });

  test('scope attributes become a KeyValueList', () => {
    const attrs: KeyValue[] = [
      { key: 'lib.feature', value: { bool: true } },
      { key: 'lib.level', value: { int: 2n } },
    ];
    const w = Writer.create();
    w.uint32(0x0a).fork().uint32(0x12).fork();
    w.uint32(0x0a).fork().uint32(0x0a).string('lib').uint32(0x12).string('9.9');
    writeEntries(w, 0x1a, attrs);
    w.uint32(0x20).uint32(3).ldelim();
    w.uint32(0x12).bytes(spanBytes(1)).ldelim().ldelim();
    const scope = decode(w.finish()).batches[0]?.scopes[0];
    expect(scope).toMatchObject({ name: 'lib', version: '9.9', droppedAttributesCount: 3 });
    expect(decodeKeyValueList(scope?.attributes ?? Buffer.alloc(0))).toEqual(attrs);
  });

  test('spans of one trace under several resources/scopes: each record listed once, indices right', () => {
    const w = Writer.create();
    for (const service of ['a', 'b']) {
      w.uint32(0x0a).fork();
      w.uint32(0x0a).fork();
      writeEntries(w, 0x0a, [{ key: 'service.name', value: { string: service } }]);
      w.ldelim();
      for (const scopeName of ['x', 'y']) {
        w.uint32(0x12).fork().uint32(0x0a).fork().uint32(0x0a).string(scopeName).ldelim();
        w.uint32(0x12).bytes(spanBytes(1));
        w.uint32(0x12).bytes(spanBytes(2));
        w.ldelim();
      }
      w.ldelim();
    }
    const { batches } = decode(w.finish());
    expect(batches).toHaveLength(2);
    for (const batch of batches) {
      expect(batch.resources.map((r) => r.serviceName)).toEqual(['a', 'b']);
      expect(batch.scopes.map((s) => s.name)).toEqual(['x', 'y', 'x', 'y']); // one record per ScopeSpans
      expect(batch.spans.map((s) => [batch.resources[s.resourceIndex]?.serviceName, batch.scopes[s.scopeIndex]?.name])).toEqual([
        ['a', 'x'],
        ['a', 'y'],
        ['b', 'x'],
        ['b', 'y'],
      ]);
    }
  });

  test('unknown span kinds and status codes are normalized to 0', () => {
    const w = Writer.create();
    const s = Writer.create();
    s.uint32(0x0a).bytes(traceIdOf(1)).uint32(0x12).bytes(Buffer.alloc(8, 1)).uint32(0x2a).string('x');
    s.uint32(0x30).uint32(9);
    s.uint32(0x39)
      .fixed64(String(NOW_NS - 2n))
      .uint32(0x41)
      .fixed64(String(NOW_NS - 1n));
    s.uint32(0x7a).fork().uint32(0x18).int32(-1).ldelim();
    w.uint32(0x0a).fork().uint32(0x12).fork().uint32(0x12).bytes(s.finish()).ldelim().ldelim();
    const decoded = decode(w.finish()).batches[0]?.spans[0];
    expect(decoded?.kind).toBe(0);
    expect(decoded?.statusCode).toBe(0);
  });
});

describe('undecodable protobuf bodies', () => {
  test.each([
    ['invalid wire type', [0x0f]],
    ['field number 0', [0x00, 0x00]],
    ['truncated varint', [0x0a, 0x80]],
    ['length beyond the body', [0x0a, 0x10, 0x00]],
    ['ResourceSpans whose field overruns it', [0x0a, 0x02, 0x12, 0x05, 0x00, 0x00, 0x00]],
    ['span fixed64 cut short', [0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x39, 0x01]],
    ['a JSON body sent as protobuf', [...Buffer.from('{"resourceSpans":[]}')]],
  ])('%s → OtlpDecodeError', (_label, bytes) => {
    expectDecodeError(Buffer.from(bytes));
  });

  test('empty body is an empty request', () => {
    const result = decode(Buffer.alloc(0));
    expect(result).toMatchObject({ batches: [], accepted: 0, rejectedCount: 0 });
  });

  test('unknown top-level fields are skipped', () => {
    const w = Writer.create();
    w.uint32((15 << 3) | 2).string('future field');
    w.uint32(0x0a).fork().uint32(0x12).fork().uint32(0x12).bytes(spanBytes(1)).ldelim().ldelim();
    expect(decode(w.finish()).accepted).toBe(1);
  });

  test('a string body with protobuf encoding, and an unknown encoding, are refused', () => {
    expectDecodeError('abc');
    expectDecodeError(Buffer.alloc(0), 'avro' as 'json', 'unsupported_encoding');
  });

  test('every truncation of a real body fails cleanly with OtlpDecodeError', () => {
    const { protobuf } = makeSdkFixture();
    let failures = 0;
    for (let len = 1; len < protobuf.length; len++) {
      try {
        decodeOtlpTraces(protobuf.subarray(0, len), 'protobuf', { nowNs: FIXTURE_NOW_NS });
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
        failures++;
      }
    }
    // Only cuts exactly between two top-level ResourceSpans decode (as a shorter request).
    expect(failures).toBeGreaterThanOrEqual(protobuf.length - 2);
  });

  test('random corruption never escapes as anything but OtlpDecodeError', () => {
    const { protobuf } = makeSdkFixture();
    let seed = 12345;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    let decoded = 0;
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const body = Buffer.from(protobuf);
      for (let k = 0; k < 3; k++) body[Math.floor(rand() * body.length)] = Math.floor(rand() * 256);
      try {
        decodeOtlpTraces(body, 'protobuf', { nowNs: FIXTURE_NOW_NS });
        decoded++;
      } catch (err) {
        expect(err).toBeInstanceOf(OtlpDecodeError);
        refused++;
      }
    }
    expect(decoded + refused).toBe(300);
    expect(refused).toBeGreaterThan(0);
  });
});

import type { AnyValue, KeyValue } from './any-value';
import { MAX_VALUE_DEPTH } from './any-value';
import { decodeKeyValueList, encodeKeyValueList, flattenAttributes, getAttribute, getAttributes } from './attributes';
import { anyValueAsString } from './as-string';
import { OtlpDecodeError } from './errors';
import { OTLP_TYPES, otlpType } from './proto-root';
import { Writer } from './protobuf';

const ALL_TYPES: KeyValue[] = [
  { key: 'str', value: { string: 'hello' } },
  { key: 'utf8', value: { string: 'ünïcödé ✓ 😀' } },
  { key: 'bool-true', value: { bool: true } },
  { key: 'bool-false', value: { bool: false } },
  { key: 'int', value: { int: 42n } },
  { key: 'int-neg', value: { int: -1n } },
  { key: 'int-max', value: { int: 9223372036854775807n } },
  { key: 'int-min', value: { int: -9223372036854775808n } },
  { key: 'double', value: { double: 3.25 } },
  { key: 'bytes', value: { bytes: Buffer.from('deadbeef', 'hex') } },
  { key: 'array', value: { array: [{ string: 'a' }, { int: 1n }, { array: [{ bool: true }] }] } },
  {
    key: 'kvlist',
    value: {
      kvlist: [
        { key: 'x', value: { double: 0.5 } },
        { key: 'y', value: { kvlist: [] } },
      ],
    },
  },
  { key: 'empty', value: { empty: true } },
  { key: '', value: { string: 'empty key' } },
];

/** Reference decode with protobufjs reflection, converted to our AnyValue shape. */
function reflectionDecode(buf: Buffer): KeyValue[] {
  const type = otlpType(OTLP_TYPES.keyValueList);
  const obj = type.toObject(type.decode(buf), { longs: String, bytes: Buffer, oneofs: true }) as {
    values?: Array<{ key?: string; value?: Record<string, unknown> }>;
  };
  const convert = (v: Record<string, unknown> | undefined): AnyValue => {
    if (v === undefined || v.value === undefined) return { empty: true };
    if (v.value === 'stringValue') return { string: v.stringValue as string };
    if (v.value === 'boolValue') return { bool: v.boolValue as boolean };
    if (v.value === 'intValue') return { int: BigInt(v.intValue as string) };
    if (v.value === 'doubleValue') return { double: v.doubleValue as number };
    if (v.value === 'bytesValue') return { bytes: Buffer.from(v.bytesValue as Uint8Array) };
    if (v.value === 'arrayValue')
      return { array: (((v.arrayValue as { values?: unknown[] }).values ?? []) as Record<string, unknown>[]).map(convert) };
    const kv = ((v.kvlistValue as { values?: unknown[] }).values ?? []) as Array<{ key?: string; value?: Record<string, unknown> }>;
    return { kvlist: kv.map((e) => ({ key: e.key ?? '', value: convert(e.value) })) };
  };
  return (obj.values ?? []).map((e) => ({ key: e.key ?? '', value: convert(e.value) }));
}

describe('attribute codec', () => {
  const encoded = encodeKeyValueList(ALL_TYPES);

  test('encode → decode keeps every OTLP type', () => {
    expect(decodeKeyValueList(encoded)).toEqual(ALL_TYPES);
  });

  test('the encoding is what protobufjs reflection reads from the official definitions', () => {
    expect(reflectionDecode(encoded)).toEqual(ALL_TYPES);
  });

  test('decodes what protobufjs reflection encodes', () => {
    const type = otlpType(OTLP_TYPES.keyValueList);
    const bytes = type
      .encode(
        type.fromObject({
          values: [
            { key: 'a', value: { intValue: '-5' } },
            { key: 'b', value: { arrayValue: { values: [{ doubleValue: 1.5 }, { bytesValue: 'AAE=' }] } } },
          ],
        }),
      )
      .finish();
    expect(decodeKeyValueList(bytes)).toEqual([
      { key: 'a', value: { int: -5n } },
      { key: 'b', value: { array: [{ double: 1.5 }, { bytes: Buffer.from([0, 1]) }] } },
    ]);
  });

  test('empty list', () => {
    expect(encodeKeyValueList([])).toHaveLength(0);
    expect(decodeKeyValueList(Buffer.alloc(0))).toEqual([]);
    expect(flattenAttributes(Buffer.alloc(0))).toEqual({});
  });

  test('a KeyValue without value reads as empty; the last oneof field on the wire wins', () => {
    const w = Writer.create();
    w.uint32(0x0a).fork().uint32(0x0a).string('novalue').ldelim();
    w.uint32(0x0a).fork().uint32(0x0a).string('twice').uint32(0x12).fork();
    w.uint32(0x0a).string('first').uint32(0x18).int64(9).ldelim().ldelim();
    expect(decodeKeyValueList(w.finish())).toEqual([
      { key: 'novalue', value: { empty: true } },
      { key: 'twice', value: { int: 9n } },
    ]);
  });

  test('flattenAttributes applies the AsString rule to each value', () => {
    expect(flattenAttributes(encoded)).toEqual({
      str: 'hello',
      utf8: 'ünïcödé ✓ 😀',
      'bool-true': 'true',
      'bool-false': 'false',
      int: '42',
      'int-neg': '-1',
      'int-max': '9223372036854775807',
      'int-min': '-9223372036854775808',
      double: '3.25',
      bytes: '3q2+7w==',
      array: '["a",1,[true]]',
      kvlist: '{"x":0.5,"y":{}}',
      empty: '',
      '': 'empty key',
    });
  });

  test('flattenAttributes equals AsString of the fully decoded values (scalar fast path included)', () => {
    const values: AnyValue[] = [
      { int: 9007199254740991n },
      { int: 9007199254740992n },
      { int: -9007199254740991n },
      { int: -9007199254740993n },
      { int: 4294967296n },
      { int: -4294967296n },
      { int: 0n },
      { double: -0 },
      { double: 1e-7 },
      { double: NaN },
      { bool: false },
      { string: '' },
      { empty: true },
    ];
    const list = encodeKeyValueList(values.map((value, i) => ({ key: `k${i}`, value })));
    const expected = Object.fromEntries(decodeKeyValueList(list).map((kv) => [kv.key, anyValueAsString(kv.value)]));
    expect(flattenAttributes(list)).toEqual(expected);
    expect(flattenAttributes(list)).toMatchObject({ k0: '9007199254740991', k1: '9007199254740992', k3: '-9007199254740993', k7: '-0' });
  });

  test('flattenAttributes: a value carrying two oneof fields reads as the last one', () => {
    const w = Writer.create();
    w.uint32(0x0a).fork().uint32(0x0a).string('twice').uint32(0x12).fork();
    w.uint32(0x0a).string('first').uint32(0x18).int64(9).ldelim().ldelim();
    expect(flattenAttributes(w.finish())).toEqual({ twice: '9' });
  });

  test('flattenAttributes: last duplicate wins, __proto__ is an ordinary key', () => {
    const flat = flattenAttributes(
      encodeKeyValueList([
        { key: 'dup', value: { string: 'first' } },
        { key: '__proto__', value: { string: 'safe' } },
        { key: 'dup', value: { string: 'second' } },
      ]),
    );
    expect(flat.dup).toBe('second');
    expect(Object.keys(flat)).toEqual(['dup', '__proto__']);
    expect(flat['__proto__']).toBe('safe');
  });

  test('getAttribute returns the typed value, first occurrence, undefined when absent', () => {
    expect(getAttribute(encoded, 'int-min')).toEqual({ int: -9223372036854775808n });
    expect(getAttribute(encoded, 'kvlist')).toEqual(ALL_TYPES[11]?.value);
    expect(getAttribute(encoded, 'utf8')).toEqual({ string: 'ünïcödé ✓ 😀' });
    expect(getAttribute(encoded, 'empty')).toEqual({ empty: true });
    expect(getAttribute(encoded, 'missing')).toBeUndefined();
    expect(getAttribute(encoded, 'str ')).toBeUndefined();
    const dup = encodeKeyValueList([
      { key: 'k', value: { int: 1n } },
      { key: 'k', value: { int: 2n } },
    ]);
    expect(getAttribute(dup, 'k')).toEqual({ int: 1n });
  });

  test('getAttribute does not decode other values (a malformed value elsewhere is never read)', () => {
    // Entry 1 has a value whose inner bytes are garbage; entry 2 is fine.
    const w = Writer.create();
    w.uint32(0x0a)
      .fork()
      .uint32(0x0a)
      .string('broken')
      .uint32(0x12)
      .bytes(Buffer.from([0xff, 0xff]))
      .ldelim();
    w.uint32(0x0a).fork().uint32(0x0a).string('ok').uint32(0x12).fork().uint32(0x0a).string('v').ldelim().ldelim();
    const bytes = w.finish();
    expect(getAttribute(bytes, 'ok')).toEqual({ string: 'v' });
    expect(getAttributes(bytes, new Set(['ok']))).toEqual(new Map([['ok', { string: 'v' }]]));
    expect(() => decodeKeyValueList(bytes)).toThrow(OtlpDecodeError);
  });

  test('getAttributes returns the present keys only', () => {
    expect(getAttributes(encoded, new Set(['bool-true', 'double', 'nope']))).toEqual(
      new Map<string, AnyValue>([
        ['bool-true', { bool: true }],
        ['double', { double: 3.25 }],
      ]),
    );
    expect(getAttributes(encoded, new Set())).toEqual(new Map());
  });

  test('getAttributes matches keys by their bytes: same-length and multi-byte keys, reused and grown sets', () => {
    // 'int' and 'str' have the same length; 'utf8' and the empty key are edge cases of the matcher
    const keys = new Set(['int', 'str', 'utf8', '']);
    const first = getAttributes(encoded, keys);
    expect(first).toEqual(
      new Map<string, AnyValue>([
        ['str', { string: 'hello' }],
        ['utf8', { string: 'ünïcödé ✓ 😀' }],
        ['int', { int: 42n }],
        ['', { string: 'empty key' }],
      ]),
    );
    // the compiled form is reused for the same set, and rebuilt once the set grows
    expect(getAttributes(encoded, keys)).toEqual(first);
    keys.add('ünïcödé');
    keys.add('double');
    expect(getAttributes(encoded, keys).get('double')).toEqual({ double: 3.25 });
    const multiByte = encodeKeyValueList([{ key: 'ключ', value: { string: 'значение' } }, { key: 'клюк', value: { bool: true } }]);
    expect(getAttributes(multiByte, new Set(['клюк']))).toEqual(new Map([['клюк', { bool: true }]]));
  });

  test.each([
    ['truncated entry', Buffer.from([0x0a, 0x05, 0x0a, 0x01])],
    ['length beyond the end', Buffer.from([0x0a, 0x7f])],
    ['invalid wire type', Buffer.from([0x0f])],
    ['field number 0', Buffer.from([0x00, 0x01])],
    ['string value overruns its AnyValue', Buffer.from([0x0a, 0x06, 0x12, 0x04, 0x0a, 0x05, 0x61, 0x62])],
  ])('malformed bytes (%s) throw OtlpDecodeError', (_label, bytes) => {
    for (const fn of [() => decodeKeyValueList(bytes), () => flattenAttributes(bytes), () => getAttribute(bytes, '')]) {
      expect(fn).toThrow(OtlpDecodeError);
    }
  });

  test(`nesting deeper than ${MAX_VALUE_DEPTH} levels is refused`, () => {
    let value: AnyValue = { string: 'leaf' };
    for (let i = 0; i < MAX_VALUE_DEPTH + 2; i++) value = { array: [value] };
    const bytes = encodeKeyValueList([{ key: 'deep', value }]);
    let caught: unknown;
    try {
      decodeKeyValueList(bytes);
    } catch (err) {
      caught = err;
    }
    expect((caught as OtlpDecodeError).reason).toBe('too_deep');
    let ok: AnyValue = { string: 'leaf' };
    for (let i = 0; i < MAX_VALUE_DEPTH - 1; i++) ok = { array: [ok] };
    expect(decodeKeyValueList(encodeKeyValueList([{ key: 'ok', value: ok }]))).toHaveLength(1);
  });
});

import type { AnyValue, KeyValue } from './any-value';
import { AttributeRowReader } from './attribute-row-reader';
import { encodeKeyValueList, getAttributes } from './attributes';
import { OtlpDecodeError } from './errors';
import { Writer } from './protobuf';

/** readRow into a fresh table of `rows` rows at `row`; the values in key order. */
function readKeys(buf: Uint8Array, keys: string[], row = 0, rows = 1): (AnyValue | undefined)[] {
  const table = new Array<AnyValue | undefined>(keys.length * rows).fill(undefined);
  new AttributeRowReader(keys).readRow(buf, table, row, rows);
  return keys.map((_, k) => table[k * rows + row]);
}

/**
 * readRowIn over the same bytes where they lie inside a larger buffer, between entries that would
 * change the result if the reader looked past either end of the range.
 */
function readKeysIn(buf: Uint8Array, keys: string[]): (AnyValue | undefined)[] {
  const around = encodeKeyValueList(keys.map((key) => ({ key, value: { string: 'outside the range' } })));
  const whole = Buffer.concat([around, buf, around, Buffer.from([0x0a, 0x7f])]);
  const table = new Array<AnyValue | undefined>(keys.length).fill(undefined);
  new AttributeRowReader(keys).readRowIn(whole, around.length, around.length + buf.length, table, 0, 1);
  return keys.map((_, k) => table[k]);
}

/** What getAttributes (the protobufjs-based reference) gives for the same keys, in key order. */
function referenceKeys(buf: Uint8Array, keys: string[]): (AnyValue | undefined)[] {
  const found = getAttributes(buf, new Set(keys));
  return keys.map((key) => found.get(key));
}

/** The value or the error (class, reason, message) of `fn`. */
function outcome(fn: () => unknown): unknown {
  try {
    return { value: fn() };
  } catch (err) {
    return { error: err instanceof OtlpDecodeError ? `${err.name}/${err.reason}: ${err.message}` : String(err) };
  }
}

const list = (entries: KeyValue[]) => encodeKeyValueList(entries);

describe('AttributeRowReader', () => {
  const span = list([
    { key: 'http.request.method', value: { string: 'GET' } },
    { key: 'url.path', value: { string: '/api/cart' } },
    { key: 'http.response.status_code', value: { int: 503n } },
    { key: 'tenant.tier', value: { string: 'gold' } },
    { key: 'app.cache_hit', value: { bool: false } },
  ]);

  test('reads the listed keys in one pass, absent keys stay undefined', () => {
    expect(readKeys(span, ['tenant.tier', 'missing', 'http.response.status_code', 'url.path'])).toEqual([
      { string: 'gold' },
      undefined,
      { int: 503n },
      { string: '/api/cart' },
    ]);
  });

  test('writes key k of row r to table[k * rows + r] and touches no other slot', () => {
    const reader = new AttributeRowReader(['url.path', 'tenant.tier', 'missing']);
    const table: (AnyValue | undefined)[] = new Array(3 * 4).fill(undefined);
    reader.readRow(span, table, 2, 4);
    expect(table).toEqual([
      ...[undefined, undefined, { string: '/api/cart' }, undefined],
      ...[undefined, undefined, { string: 'gold' }, undefined],
      ...[undefined, undefined, undefined, undefined],
    ]);
    expect(reader.keys).toEqual(['url.path', 'tenant.tier', 'missing']);
  });

  test('empty lists and empty key lists read nothing', () => {
    expect(readKeys(Buffer.alloc(0), ['a', 'b'])).toEqual([undefined, undefined]);
    expect(readKeys(new Uint8Array(0), [])).toEqual([]);
    // with no keys, not even malformed bytes are looked at (as getAttributes)
    expect(readKeys(Buffer.from([0xff]), [])).toEqual([]);
  });

  test('every value type; a KeyValue without value, or with an empty AnyValue, reads as empty', () => {
    const entries: KeyValue[] = [
      { key: 's', value: { string: 'ünï ✓' } },
      { key: 'b', value: { bool: true } },
      { key: 'i', value: { int: 42n } },
      { key: 'neg', value: { int: -9223372036854775808n } },
      { key: 'big', value: { int: 9007199254740993n } },
      { key: 'd', value: { double: 2.5 } },
      { key: 'bytes', value: { bytes: Buffer.from([0xde, 0xad]) } },
      { key: 'arr', value: { array: [{ string: 'a' }, { int: -1n }] } },
      { key: 'kv', value: { kvlist: [{ key: 'x', value: { bool: false } }] } },
      { key: 'empty', value: { empty: true } },
    ];
    const w = Writer.create();
    w.uint32(0x0a).fork().uint32(0x0a).string('novalue').ldelim();
    const buf = Buffer.concat([list(entries), w.finish()]);
    const keys = [...entries.map((e) => e.key), 'novalue'];
    expect(readKeys(buf, keys)).toEqual([...entries.map((e) => e.value), { empty: true }]);
    expect(readKeys(buf, keys)).toEqual(referenceKeys(buf, keys));
  });

  test('repeated keys: the first occurrence wins, even when it has no value', () => {
    const w = Writer.create();
    w.uint32(0x0a).fork().uint32(0x0a).string('k').ldelim(); // k without value
    const buf = Buffer.concat([
      list([{ key: 'dup', value: { string: 'first' } }]),
      w.finish(),
      list([
        { key: 'dup', value: { string: 'second' } },
        { key: 'k', value: { int: 2n } },
      ]),
    ]);
    expect(readKeys(buf, ['dup', 'k'])).toEqual([{ string: 'first' }, { empty: true }]);
  });

  test('keys that are prefixes of each other, same-length keys, multi-byte and empty keys', () => {
    const buf = list([
      { key: 'http.route', value: { string: 'route' } },
      { key: 'http', value: { string: 'short' } },
      { key: 'http.routes', value: { string: 'longer' } },
      { key: 'ключ', value: { string: 'значение' } },
      { key: '', value: { string: 'no key' } },
    ]);
    const keys = ['http', 'http.route', 'http.routes', 'http.router', 'клюк', 'ключ', ''];
    expect(readKeys(buf, keys)).toEqual([
      { string: 'short' },
      { string: 'route' },
      { string: 'longer' },
      undefined,
      undefined,
      { string: 'значение' },
      { string: 'no key' },
    ]);
  });

  test('a key field twice in one KeyValue: the last one names it; fields in any order', () => {
    const w = Writer.create();
    w.uint32(0x0a).fork().uint32(0x12).fork().uint32(0x10).bool(true).ldelim().uint32(0x0a).string('a').uint32(0x0a).string('b').ldelim();
    const buf = w.finish();
    expect(readKeys(buf, ['a', 'b'])).toEqual([undefined, { bool: true }]);
    expect(readKeys(buf, ['a', 'b'])).toEqual(referenceKeys(buf, ['a', 'b']));
  });

  test('unusual encodings (unknown fields, long varints) read as getAttributes reads them', () => {
    const unknownInEntry = Writer.create();
    unknownInEntry
      .uint32(0x0a)
      .fork()
      .uint32(0x0a)
      .string('a')
      .uint32(0x18)
      .uint32(7)
      .uint32(0x12)
      .fork()
      .uint32(0x18)
      .int64(1)
      .ldelim()
      .ldelim();
    const unknownAtTop = Buffer.concat([Buffer.from([0x10, 0x01]), list([{ key: 'a', value: { string: 'x' } }])]);
    // the entry tag and the key length written as two-byte varints
    const longVarints = Buffer.from([0x8a, 0x00, 0x06, 0x0a, 0x81, 0x00, 0x61, 0x12, 0x00]);
    for (const buf of [unknownInEntry.finish(), unknownAtTop, longVarints]) {
      expect(readKeys(buf, ['a', 'z'])).toEqual(referenceKeys(buf, ['a', 'z']));
      expect(readKeysIn(buf, ['a', 'z'])).toEqual(referenceKeys(buf, ['a', 'z']));
      expect(readKeys(buf, ['a', 'z'])[0]).toBeDefined();
    }
  });

  test('a long entry (lengths of several varint bytes) is read in the same pass', () => {
    const long = 'x'.repeat(20_000);
    const buf = list([
      { key: 'long', value: { string: long } },
      { key: 'after', value: { int: 1n } },
    ]);
    expect(readKeys(buf, ['after', 'long'])).toEqual([{ int: 1n }, { string: long }]);
  });

  test.each([
    ['truncated entry', Buffer.from([0x0a, 0x05, 0x0a, 0x01])],
    ['length beyond the end', Buffer.from([0x0a, 0x7f])],
    ['invalid wire type', Buffer.from([0x0f])],
    ['field number 0', Buffer.from([0x00, 0x01])],
    ['string value overruns its AnyValue', Buffer.from([0x0a, 0x06, 0x12, 0x04, 0x0a, 0x05, 0x61, 0x62])],
    ['varint cut off at the end', Buffer.from([0x0a, 0x80])],
    ['entry tag cut off', Buffer.from([0x8a])],
  ])('malformed bytes (%s) throw the OtlpDecodeError getAttributes throws', (_label, bytes) => {
    const got = outcome(() => readKeys(bytes, ['', 'a']));
    expect(got).toEqual(outcome(() => referenceKeys(bytes, ['', 'a'])));
    expect(outcome(() => readKeysIn(bytes, ['', 'a']))).toEqual(got);
    expect(got).toEqual({ error: expect.stringMatching(/^OtlpDecodeError\/invalid_protobuf: /) });
  });

  test('a malformed value is only an error for a wanted key; nesting too deep is too_deep', () => {
    const w = Writer.create();
    w.uint32(0x0a)
      .fork()
      .uint32(0x0a)
      .string('broken')
      .uint32(0x12)
      .bytes(Buffer.from([0x2a, 0x05]))
      .ldelim();
    const buf = Buffer.concat([w.finish(), list([{ key: 'ok', value: { string: 'v' } }])]);
    expect(readKeys(buf, ['ok'])).toEqual([{ string: 'v' }]);
    expect(() => readKeys(buf, ['ok', 'broken'])).toThrow(OtlpDecodeError);
    let deep: AnyValue = { string: 'leaf' };
    for (let i = 0; i < 40; i++) deep = { array: [deep] };
    expect(() => readKeys(list([{ key: 'deep', value: deep }]), ['deep'])).toThrow(expect.objectContaining({ reason: 'too_deep' }));
  });

  test('the pass stops once every key was found: bytes after that are not looked at (as getAttributes)', () => {
    const buf = Buffer.concat([list([{ key: 'a', value: { string: 'x' } }]), Buffer.from([0x0a, 0x7f])]);
    expect(readKeys(buf, ['a'])).toEqual([{ string: 'x' }]);
    expect(referenceKeys(buf, ['a'])).toEqual([{ string: 'x' }]);
    expect(() => readKeys(buf, ['a', 'b'])).toThrow(OtlpDecodeError);
  });

  test('random and corrupted lists: same values, or the same error, as getAttributes', () => {
    let seed = 20251126;
    const random = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    const below = (n: number) => Math.floor(random() * n);
    const keyNames = ['a', 'ab', 'abc', 'b', '', 'http.route', 'ключ'];
    const values: AnyValue[] = [
      { string: 'v' },
      { string: '' },
      { int: 5n },
      { int: -3n },
      { int: 300_000_000_000_000n },
      { bool: true },
      { double: 1.5 },
      { bytes: Buffer.from([1, 2]) },
      { array: [{ string: 'q' }] },
      { kvlist: [{ key: 'z', value: { bool: true } }] },
      { empty: true },
    ];
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      const entries = Array.from({ length: below(7) }, () => ({
        key: keyNames[below(keyNames.length)]!,
        value: values[below(values.length)]!,
      }));
      let buf = list(entries);
      for (let m = below(3); m > 0 && buf.length > 0; m--) {
        const at = below(buf.length);
        buf = below(2) === 0 ? Buffer.concat([buf.subarray(0, at), Buffer.from([below(256)]), buf.subarray(at + 1)]) : buf.subarray(0, at);
      }
      const keys = keyNames.filter(() => random() < 0.5);
      const want = outcome(() => referenceKeys(buf, keys));
      if ('error' in (want as object)) errors++;
      expect([i, outcome(() => readKeys(buf, keys))]).toEqual([i, want]);
      expect([i, outcome(() => readKeysIn(buf, keys))]).toEqual([i, want]);
    }
    expect(errors).toBeGreaterThan(100); // the corruptions did produce malformed lists
  });
});

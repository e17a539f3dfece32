import type { AnyValue } from './any-value';
import { anyValueAsString, compareUtf8, goQuote } from './as-string';

/** The Collector's pcommon.Value.AsString(), value by value (expected strings as Go prints them). */
const TABLE: Array<[string, AnyValue, string]> = [
  ['string', { string: 'plain' }, 'plain'],
  ['string kept raw (no quoting or escaping)', { string: 'a"b<c>\n' }, 'a"b<c>\n'],
  ['empty string', { string: '' }, ''],
  ['bool true', { bool: true }, 'true'],
  ['bool false', { bool: false }, 'false'],
  ['int', { int: 12345n }, '12345'],
  ['int negative', { int: -7n }, '-7'],
  ['int64 max', { int: 9223372036854775807n }, '9223372036854775807'],
  ['int64 min', { int: -9223372036854775808n }, '-9223372036854775808'],
  ['double', { double: 1.5 }, '1.5'],
  ['double integral', { double: 2 }, '2'],
  ['double shortest round trip', { double: 0.1 + 0.2 }, '0.30000000000000004'],
  ['double small, fixed', { double: 0.000001 }, '0.000001'],
  ['double below 1e-6, exponent', { double: 1e-7 }, '1e-7'],
  ['double tiny', { double: 1.5e-10 }, '1.5e-10'],
  ['double large, fixed', { double: 123456789012345680000 }, '123456789012345680000'],
  ['double 1e21, exponent', { double: 1e21 }, '1e+21'],
  ['double max', { double: Number.MAX_VALUE }, '1.7976931348623157e+308'],
  ['double negative zero', { double: -0 }, '-0'],
  ['double NaN', { double: NaN }, 'json: unsupported value: NaN'],
  ['double +Inf', { double: Infinity }, 'json: unsupported value: +Inf'],
  ['double -Inf', { double: -Infinity }, 'json: unsupported value: -Inf'],
  ['bytes', { bytes: Buffer.from([0xde, 0xad, 0xbe, 0xef]) }, '3q2+7w=='],
  ['bytes empty', { bytes: Buffer.alloc(0) }, ''],
  ['empty value', { empty: true }, ''],
  [
    'array of mixed',
    { array: [{ string: 'a' }, { int: 1n }, { double: 2.5 }, { bool: false }, { empty: true }] },
    '["a",1,2.5,false,null]',
  ],
  ['array empty', { array: [] }, '[]'],
  ['array with bytes', { array: [{ bytes: Buffer.from('hi') }] }, '["aGk="]'],
  ['array with big ints exact', { array: [{ int: 9223372036854775807n }] }, '[9223372036854775807]'],
  [
    'array with HTML chars escaped like Go',
    { array: [{ string: '<a href="x">&</a>' }] },
    '["\\u003ca href=\\"x\\"\\u003e\\u0026\\u003c/a\\u003e"]',
  ],
  ['array with control chars', { array: [{ string: 'tab\tnl\ncr\rbs\\ \u0001 \b \f' }] }, '["tab\\tnl\\ncr\\rbs\\\\ \\u0001 \\b \\f"]'],
  ['array with U+2028/2029', { array: [{ string: '\u2028\u2029' }] }, '["\\u2028\\u2029"]'],
  ['array with unicode kept', { array: [{ string: 'é😀' }] }, '["é😀"]'],
  ['array with NaN fails like Go (empty)', { array: [{ double: 1 }, { double: NaN }] }, ''],
  ['array with -0 and exponents', { array: [{ double: -0 }, { double: 1e-7 }, { double: 1e21 }] }, '[-0,1e-7,1e+21]'],
  [
    'kvlist keys sorted',
    {
      kvlist: [
        { key: 'b', value: { int: 2n } },
        { key: 'a', value: { string: 'x' } },
      ],
    },
    '{"a":"x","b":2}',
  ],
  [
    'kvlist last duplicate wins',
    {
      kvlist: [
        { key: 'k', value: { int: 1n } },
        { key: 'k', value: { int: 2n } },
      ],
    },
    '{"k":2}',
  ],
  ['kvlist nested', { kvlist: [{ key: 'n', value: { kvlist: [{ key: 'z', value: { array: [] } }] } }] }, '{"n":{"z":[]}}'],
  ['kvlist empty', { kvlist: [] }, '{}'],
  ['kvlist key escaped', { kvlist: [{ key: 'a<b', value: { bool: true } }] }, '{"a\\u003cb":true}'],
  ['kvlist with Inf inside fails like Go', { kvlist: [{ key: 'x', value: { array: [{ double: Infinity }] } }] }, ''],
];

describe('anyValueAsString (Collector AsString rule)', () => {
  test.each(TABLE)('%s', (_label, value, expected) => {
    expect(anyValueAsString(value)).toBe(expected);
  });
});

describe('helpers', () => {
  test('goQuote leaves plain strings alone', () => {
    expect(goQuote('abc')).toBe('"abc"');
  });

  test('compareUtf8 orders by code point (UTF-8 byte order), unlike UTF-16 sort', () => {
    const keys = ['\uffff', '😀', 'b', 'a', '\ue000'];
    expect([...keys].sort(compareUtf8)).toEqual(['a', 'b', '\ue000', '\uffff', '😀']);
    expect([...keys].sort()).toEqual(['a', 'b', '😀', '\ue000', '\uffff']);
    const bytes = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    expect([...keys].sort(compareUtf8)).toEqual(bytes);
  });
});

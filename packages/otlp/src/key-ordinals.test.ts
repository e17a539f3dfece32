import { KeyOrdinals } from './key-ordinals';

/** The ordinal KeyOrdinals finds for `key` written in the middle of a larger buffer. */
function ordinalOf(ordinals: KeyOrdinals, key: string): number {
  const bytes = Buffer.concat([Buffer.from('<<'), Buffer.from(key, 'utf8'), Buffer.from('>>')]);
  return ordinals.ordinalAt(bytes, 2, bytes.length - 2);
}

describe('KeyOrdinals', () => {
  const ordinals = new KeyOrdinals(['http', 'http.route', 'http.router', 'url.path', 'tenant.tier', 'ключ', '']);

  test('each key is found at its index in the list', () => {
    expect(ordinals.keys.map((key) => ordinalOf(ordinals, key))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(ordinals.size).toBe(7);
  });

  test('keys that are prefixes of each other, or share a length, are told apart', () => {
    expect(ordinalOf(ordinals, 'http.rout')).toBe(-1);
    expect(ordinalOf(ordinals, 'http.routes')).toBe(-1); // same length as http.router, last byte differs
    expect(ordinalOf(ordinals, 'xttp.router')).toBe(-1); // same length, first byte differs
    expect(ordinalOf(ordinals, 'url.patH')).toBe(-1);
    expect(ordinalOf(ordinals, 'htt')).toBe(-1);
  });

  test('keys longer than any listed key, multi-byte keys and the empty key', () => {
    expect(ordinalOf(ordinals, 'a'.repeat(200))).toBe(-1);
    expect(ordinalOf(ordinals, 'ключ')).toBe(5);
    expect(ordinalOf(ordinals, 'клюк')).toBe(-1);
    expect(ordinalOf(ordinals, '')).toBe(6);
    expect(ordinalOf(new KeyOrdinals(['a']), '')).toBe(-1);
  });

  test('an empty list matches nothing', () => {
    const none = new KeyOrdinals([]);
    expect(none.size).toBe(0);
    expect(ordinalOf(none, '')).toBe(-1);
    expect(ordinalOf(none, 'x')).toBe(-1);
  });

  test('keys must be distinct; two keys with the same UTF-8 bytes match the first', () => {
    expect(() => new KeyOrdinals(['a', 'b', 'a'])).toThrow(RangeError);
    // a lone surrogate encodes as U+FFFD
    expect(ordinalOf(new KeyOrdinals(['\ud800', '\ufffd']), '\ufffd')).toBe(0);
  });
});

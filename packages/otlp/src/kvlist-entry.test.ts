import { encodeKeyValueList } from './attributes';
import { EntryBounds, EntryCursor, readEntry } from './kvlist-entry';
import { Writer } from './protobuf';

function entryAt(buf: Buffer, pos = 0): EntryBounds | false {
  const e = new EntryBounds();
  return readEntry(buf, pos, e, new EntryCursor()) ? { ...e } : false;
}

describe('readEntry', () => {
  test('the usual shape: key, then value, one-byte lengths', () => {
    const buf = encodeKeyValueList([
      { key: 'ab', value: { string: 'xyz' } },
      { key: 'c', value: { bool: true } },
    ]);
    // 0a 0b | 0a 02 'ab' | 12 05 0a 03 'xyz'
    expect(entryAt(buf)).toEqual({ end: 13, keyStart: 4, keyEnd: 6, valueStart: 8, valueEnd: 13 });
    expect(entryAt(buf, 13)).toEqual({ end: buf.length, keyStart: 17, keyEnd: 18, valueStart: 20, valueEnd: buf.length });
  });

  test('other shapes are read field by field: value first, no value, no key, repeated key, long lengths', () => {
    const valueFirst = Buffer.from([0x0a, 0x06, 0x12, 0x00, 0x0a, 0x02, 0x61, 0x62]);
    expect(entryAt(valueFirst)).toEqual({ end: 8, keyStart: 6, keyEnd: 8, valueStart: 4, valueEnd: 4 });
    expect(entryAt(Buffer.from([0x0a, 0x03, 0x0a, 0x01, 0x61]))).toEqual({ end: 5, keyStart: 4, keyEnd: 5, valueStart: -1, valueEnd: -1 });
    expect(entryAt(Buffer.from([0x0a, 0x02, 0x12, 0x00]))).toEqual({ end: 4, keyStart: 0, keyEnd: 0, valueStart: 4, valueEnd: 4 });
    expect(entryAt(Buffer.from([0x0a, 0x06, 0x0a, 0x01, 0x61, 0x0a, 0x01, 0x62]))).toMatchObject({ keyStart: 7, keyEnd: 8 });
    const long = encodeKeyValueList([{ key: 'k', value: { string: 'v'.repeat(300) } }]);
    expect(entryAt(long)).toEqual({ end: long.length, keyStart: 5, keyEnd: 6, valueStart: 9, valueEnd: long.length });
    expect(entryAt(Buffer.from([0x0a, 0x00]))).toEqual({ end: 2, keyStart: 0, keyEnd: 0, valueStart: -1, valueEnd: -1 });
  });

  test('anything else is refused without throwing', () => {
    const unknownField = Writer.create();
    unknownField.uint32(0x0a).fork().uint32(0x0a).string('a').uint32(0x18).uint32(1).ldelim();
    const refused = [
      Buffer.from([0x12, 0x00]), // another field of the list
      Buffer.from([0x0a]), // length missing
      Buffer.from([0x0a, 0x05, 0x0a, 0x01]), // entry longer than the buffer
      Buffer.from([0x0a, 0x03, 0x0a, 0x05, 0x61]), // key longer than its entry
      Buffer.from([0x0a, 0x80, 0x80, 0x80, 0x80, 0x01]), // five-byte varint
      Buffer.from(unknownField.finish()),
    ];
    for (const buf of refused) expect(entryAt(buf)).toBe(false);
  });
});

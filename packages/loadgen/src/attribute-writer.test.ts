import { decodeKeyValueList, encodeKeyValueList } from '@tailstream/otlp';
import { KeyValueCollector, KeyValueListWriter, type AttributeSink } from './attribute-writer';

type Write = (a: AttributeSink) => void;

const CASES: Array<[string, Write]> = [
  ['ascii string', (a) => a.str('http.route', '/api/products/{id}')],
  ['empty string and empty key', (a) => a.str('', '')],
  ['non-ASCII string', (a) => a.str('user.name', 'Zoë — 東京 🚀')],
  ['string of 127 and 128 bytes', (a) => (a.str('a', 'x'.repeat(127)), a.str('b', 'y'.repeat(128)))],
  ['long string (multi-byte length)', (a) => a.str('db.query.text', 'SELECT 1 '.repeat(3000))],
  ['long key', (a) => a.str('k'.repeat(200), 'v')],
  ['small ints', (a) => (a.int('zero', 0), a.int('one', 1), a.int('port', 8080), a.int('big', 127), a.int('bigger', 128))],
  ['ints near 2^32 and beyond', (a) => (a.int('u32', 0xffffffff), a.int('u33', 0x100000000), a.int('max', Number.MAX_SAFE_INTEGER))],
  ['negative ints', (a) => (a.int('neg', -1), a.int('neg2', -123456789))],
  ['bools', (a) => (a.bool('t', true), a.bool('f', false))],
  [
    'many mixed',
    (a) => {
      for (let i = 0; i < 300; i++) {
        a.str(`s${i}`, `value-${i}`);
        a.int(`i${i}`, i * 1000);
        a.bool(`b${i}`, i % 2 === 0);
      }
    },
  ],
];

describe('KeyValueListWriter', () => {
  test.each(CASES)('%s: bytes equal @tailstream/otlp encodeKeyValueList', (_name, write) => {
    const collector = new KeyValueCollector();
    write(collector);
    const writer = new KeyValueListWriter();
    write(writer);
    const bytes = writer.finish();
    expect(bytes.equals(encodeKeyValueList(collector.entries))).toBe(true);
    expect(decodeKeyValueList(bytes)).toEqual(collector.entries);
  });

  test('finish returns independent buffers and resets', () => {
    const w = new KeyValueListWriter();
    w.str('a', '1');
    const first = w.finish();
    w.str('b', '2');
    const second = w.finish();
    expect(decodeKeyValueList(first)).toEqual([{ key: 'a', value: { string: '1' } }]);
    expect(decodeKeyValueList(second)).toEqual([{ key: 'b', value: { string: '2' } }]);
    expect(w.finish().length).toBe(0);
  });
});

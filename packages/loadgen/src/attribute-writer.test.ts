import { decodeKeyValueList, encodeKeyValueList } from '@tailstream/otlp';
import { KeyValueCollector, KeyValueListWriter, type AttributeSink } from './attribute-writer';
import { compileTopology } from './compiled-topology';
import { defaultTopology } from './default-topology';
import { Random } from './random';
import { makeTraceContext, writeSpanAttributes } from './span-attributes';
import { TraceBuilder } from './trace-builder';

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

describe('fixed attribute parts', () => {
  test('are written once per (owner, variant) and then reused as bytes', () => {
    const owner = {};
    const w = new KeyValueListWriter();
    let calls = 0;
    const part = (sink: AttributeSink): void => {
      calls++;
      sink.str('db.system', 'postgresql');
      sink.int('server.port', 5432);
    };
    for (let i = 0; i < 3; i++) {
      w.fixed(owner, 'db', part);
      w.int('i', i);
    }
    w.fixed(owner, 'other', (sink) => sink.bool('b', true));
    const c = new KeyValueCollector();
    for (let i = 0; i < 3; i++) {
      part(c);
      c.int('i', i);
    }
    c.bool('b', true);
    expect(calls).toBe(1 + 3);
    expect(w.finish().equals(encodeKeyValueList(c.entries))).toBe(true);
  });

  test('generated span attributes are the same bytes through the writer and through encodeKeyValueList', () => {
    const topology = compileTopology(defaultTopology(), new Random(1), 'test');
    const builder = new TraceBuilder(topology, new Random(2), {
      errorRate: 0.3,
      errorPropagation: 0.7,
      slowRate: 0.01,
      slowFactor: [8, 40],
      linkRate: 0.2,
      maxSpansPerTrace: 2000,
    });
    const writer = new KeyValueListWriter();
    let spans = 0;
    for (let t = 0; t < 60; t++) {
      const trace = builder.build();
      const [r1, r2] = [new Random(t), new Random(t)];
      const [ctx1, ctx2] = [makeTraceContext(r1, trace.entry.name), makeTraceContext(r2, trace.entry.name)];
      for (const span of trace.spans) {
        writeSpanAttributes(writer, span, ctx1, r1);
        const collector = new KeyValueCollector();
        writeSpanAttributes(collector, span, ctx2, r2);
        expect(writer.finish().equals(encodeKeyValueList(collector.entries))).toBe(true);
        spans++;
      }
    }
    expect(spans).toBeGreaterThan(1000);
  });
});

import { type AnyValue, readAnyValue } from './any-value';
import { Writer } from './protobuf';
import { createReader } from './read';
import { EMPTY_ANY_VALUE, readScalarAnyValue } from './scalar-any-value';
import * as W from './wire';

/** An AnyValue body written by `write`, between two filler bytes (so reads must stay in range). */
function body(write: (w: ReturnType<typeof Writer.create>) => void): { buf: Buffer; start: number; end: number } {
  const w = Writer.create();
  write(w);
  const bytes = w.finish();
  return { buf: Buffer.concat([Buffer.from([0x7f]), bytes, Buffer.from([0x0a])]), start: 1, end: 1 + bytes.length };
}

function reference(b: { buf: Buffer; start: number; end: number }): AnyValue {
  const r = createReader(b.buf);
  r.pos = b.start;
  return readAnyValue(b.buf, r, b.end, 0);
}

describe('readScalarAnyValue', () => {
  test.each<[string, (w: ReturnType<typeof Writer.create>) => void, AnyValue]>([
    ['string', (w) => w.uint32(W.ANY_STRING).string('ünï ✓'), { string: 'ünï ✓' }],
    ['empty string', (w) => w.uint32(W.ANY_STRING).string(''), { string: '' }],
    ['string of 200 bytes (two-byte length)', (w) => w.uint32(W.ANY_STRING).string('x'.repeat(200)), { string: 'x'.repeat(200) }],
    ['bool true', (w) => w.uint32(W.ANY_BOOL).bool(true), { bool: true }],
    ['bool false', (w) => w.uint32(W.ANY_BOOL).bool(false), { bool: false }],
    ['int 0', (w) => w.uint32(W.ANY_INT).int64(0), { int: 0n }],
    ['int 503', (w) => w.uint32(W.ANY_INT).int64(503), { int: 503n }],
    ['int 2^49 - 1 (7 varint bytes)', (w) => w.uint32(W.ANY_INT).int64(2 ** 49 - 1), { int: 562949953421311n }],
    ['double', (w) => w.uint32(W.ANY_DOUBLE).double(-0.25), { double: -0.25 }],
    ['no field', () => undefined, { empty: true }],
  ])('%s decodes as readAnyValue does', (_label, write, want) => {
    const b = body(write);
    expect(readScalarAnyValue(b.buf, b.start, b.end)).toEqual(want);
    expect(reference(b)).toEqual(want);
  });

  test('an AnyValue without field is the shared empty value', () => {
    expect(readScalarAnyValue(Buffer.from([1, 2]), 1, 1)).toBe(EMPTY_ANY_VALUE);
    expect(Object.isFrozen(EMPTY_ANY_VALUE)).toBe(true);
  });

  test.each<[string, (w: ReturnType<typeof Writer.create>) => void]>([
    ['a negative int (10 varint bytes)', (w) => w.uint32(W.ANY_INT).int64(-1)],
    ['an int of 2^49 (8 varint bytes)', (w) => w.uint32(W.ANY_INT).int64(2 ** 49)],
    ['bytes', (w) => w.uint32(W.ANY_BYTES).bytes(Buffer.from([1, 2]))],
    ['an array', (w) => w.uint32(W.ANY_ARRAY).fork().uint32(W.ARRAY_VALUES).fork().uint32(W.ANY_BOOL).bool(true).ldelim().ldelim()],
    ['a kvlist', (w) => w.uint32(W.ANY_KVLIST).fork().ldelim()],
    ['two fields', (w) => w.uint32(W.ANY_STRING).string('a').uint32(W.ANY_INT).int64(1)],
    ['an unknown field', (w) => w.uint32(0x40).uint32(1)],
    ['a bool of two varint bytes', (w) => w.uint32(W.ANY_BOOL).uint32(128)],
  ])('%s is left to readAnyValue', (_label, write) => {
    const b = body(write);
    expect(readScalarAnyValue(b.buf, b.start, b.end)).toBeUndefined();
  });

  test('bytes that do not fit the body are left to readAnyValue, never read past the end', () => {
    const cases: number[][] = [
      [W.ANY_STRING, 0x05, 0x61], // string longer than the body
      [W.ANY_STRING, 0x80], // length varint cut off
      [W.ANY_STRING, 0x01, 0x61, 0x61], // trailing byte after the string
      [W.ANY_INT, 0x80, 0x80], // varint cut off
      [W.ANY_BOOL], // no varint
      [W.ANY_DOUBLE, 0, 0, 0, 0], // double of 4 bytes
    ];
    for (const bytes of cases) {
      // the byte after the body is a valid continuation: it must not be read
      const buf = Buffer.from([...bytes, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01]);
      expect(readScalarAnyValue(buf, 0, bytes.length)).toBeUndefined();
    }
  });
});

describe('shared values', () => {
  test('bools and small ints are shared frozen objects; larger ints are fresh', () => {
    const at = (bytes: number[]) => readScalarAnyValue(Buffer.from(bytes), 0, bytes.length);
    expect(at([W.ANY_BOOL, 1])).toBe(at([W.ANY_BOOL, 7]));
    expect(at([W.ANY_BOOL, 0])).toEqual({ bool: false });
    expect(Object.isFrozen(at([W.ANY_BOOL, 0]))).toBe(true);
    const status = [W.ANY_INT, 0xf7, 0x03]; // 503
    expect(at(status)).toBe(at(status));
    expect(Object.isFrozen(at(status))).toBe(true);
    const large = [W.ANY_INT, 0x80, 0x08]; // 1024
    expect(at(large)).toEqual({ int: 1024n });
    expect(at(large)).not.toBe(at(large));
  });
});

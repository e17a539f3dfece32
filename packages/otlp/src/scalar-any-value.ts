import type { AnyValue } from './any-value';
import { utf8At } from './read';
import { ANY_BOOL, ANY_DOUBLE, ANY_INT, ANY_STRING } from './wire';

/** The value of a KeyValue that has no value, or whose AnyValue has no field (shared, frozen). */
export const EMPTY_ANY_VALUE: AnyValue = Object.freeze({ empty: true }) as AnyValue;

/** Varints longer than this are left to readAnyValue (7 bytes = 49 bits, a safe integer). */
const MAX_FAST_INT_BYTES = 7;

const TRUE_VALUE: AnyValue = Object.freeze({ bool: true });
const FALSE_VALUE: AnyValue = Object.freeze({ bool: false });

/** Ints below this are shared frozen values, made on first use (status codes, ports, counts). */
const SHARED_INT_LIMIT = 1024;
const sharedInts: AnyValue[] = [];

function intValue(value: number): AnyValue {
  if (value >= SHARED_INT_LIMIT) return { int: BigInt(value) };
  return (sharedInts[value] ??= Object.freeze({ int: BigInt(value) }));
}

/**
 * Decodes the AnyValue body buf[start, end) when it is one scalar field in its usual encoding: a
 * string, a one-byte bool, a non-negative int of at most 7 varint bytes, a double, or no field at
 * all. Returns undefined for anything else (arrays, kvlists, bytes, several fields, negative ints,
 * unknown fields, malformed bytes); callers then decode the body with readAnyValue, which handles
 * every form and reports every error. Never throws and never reads outside [start, end).
 * Bools, small ints and the empty value are shared frozen objects: treat values as immutable.
 */
export function readScalarAnyValue(buf: Buffer, start: number, end: number): AnyValue | undefined {
  if (start === end) return EMPTY_ANY_VALUE;
  const tag = buf[start]!;
  let p = start + 1;
  if (tag === ANY_STRING) {
    let length = 0;
    for (let shift = 0; shift <= 21 && p < end; shift += 7) {
      const byte = buf[p++]!;
      length |= (byte & 0x7f) << shift;
      if (byte < 0x80) return p + length === end ? { string: utf8At(buf, p, end) } : undefined;
    }
    return undefined;
  }
  if (tag === ANY_INT) {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < MAX_FAST_INT_BYTES && p < end; i++) {
      const byte = buf[p++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return p === end ? intValue(value) : undefined;
      scale *= 0x80;
    }
    return undefined;
  }
  if (tag === ANY_BOOL) {
    if (p + 1 !== end) return undefined;
    const byte = buf[p]!;
    if (byte >= 0x80) return undefined;
    return byte !== 0 ? TRUE_VALUE : FALSE_VALUE;
  }
  if (tag === ANY_DOUBLE) return p + 8 === end ? { double: buf.readDoubleLE(p) } : undefined;
  return undefined;
}

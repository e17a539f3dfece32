import { Long, type Reader, type Writer } from './protobuf';
import { OtlpDecodeError } from './errors';
import { readBytesView, readLenEnd, readString, readUint32, skipField, expectEnd } from './read';
import * as W from './wire';

/**
 * An OTLP attribute value with its OTLP type kept: exactly one key is present. `empty` stands for
 * an AnyValue with no field set (allowed by OTLP, shown as "" by the Collector).
 */
export type AnyValue =
  | { string: string }
  | { bool: boolean }
  | { int: bigint }
  | { double: number }
  | { bytes: Buffer }
  | { array: AnyValue[] }
  | { kvlist: KeyValue[] }
  | { empty: true };

/** One attribute (OTLP `KeyValue`). */
export interface KeyValue {
  key: string;
  value: AnyValue;
}

/** Deepest array/kvlist nesting accepted when decoding attribute values (protects the stack). */
export const MAX_VALUE_DEPTH = 32;

const EMPTY_VALUE: AnyValue = Object.freeze({ empty: true }) as AnyValue;

/** Reads one AnyValue message occupying [r.pos, end). The last oneof field on the wire wins. */
export function readAnyValue(buf: Buffer, r: Reader, end: number, depth: number): AnyValue {
  if (depth > MAX_VALUE_DEPTH) {
    throw new OtlpDecodeError('too_deep', `attribute values nested deeper than ${MAX_VALUE_DEPTH}`);
  }
  let value = EMPTY_VALUE;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case W.ANY_STRING:
        value = { string: readString(buf, r, end) };
        break;
      case W.ANY_BOOL:
        value = { bool: readUint32(r, end) !== 0 };
        break;
      case W.ANY_INT:
        value = { int: readInt64(r, end) };
        break;
      case W.ANY_DOUBLE: {
        if (r.pos + 8 > end) throw new OtlpDecodeError('invalid_protobuf', 'double overruns its value');
        value = { double: buf.readDoubleLE(r.pos) };
        r.pos += 8;
        break;
      }
      case W.ANY_ARRAY: {
        const arrayEnd = readLenEnd(r, end);
        value = { array: readArrayValue(buf, r, arrayEnd, depth + 1) };
        break;
      }
      case W.ANY_KVLIST: {
        const listEnd = readLenEnd(r, end);
        value = { kvlist: readKeyValues(buf, r, listEnd, W.KVLIST_VALUES, depth + 1) };
        break;
      }
      case W.ANY_BYTES:
        value = { bytes: readBytesView(buf, r, end) };
        break;
      default:
        skipField(r, tag, end);
    }
  }
  expectEnd(r, end);
  return value;
}

function readArrayValue(buf: Buffer, r: Reader, end: number, depth: number): AnyValue[] {
  const values: AnyValue[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === W.ARRAY_VALUES) {
      const valueEnd = readLenEnd(r, end);
      values.push(readAnyValue(buf, r, valueEnd, depth));
    } else {
      skipField(r, tag, end);
    }
  }
  expectEnd(r, end);
  return values;
}

/** Reads one KeyValue message occupying [r.pos, end). A missing value reads as `{ empty: true }`. */
export function readKeyValue(buf: Buffer, r: Reader, end: number, depth: number): KeyValue {
  let key = '';
  let value = EMPTY_VALUE;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === W.KV_KEY) key = readString(buf, r, end);
    else if (tag === W.KV_VALUE) value = readAnyValue(buf, r, readLenEnd(r, end), depth);
    else skipField(r, tag, end);
  }
  expectEnd(r, end);
  return { key, value };
}

/** Reads every `entryTag` KeyValue field in [r.pos, end), skipping other fields. */
export function readKeyValues(buf: Buffer, r: Reader, end: number, entryTag: number, depth: number): KeyValue[] {
  const out: KeyValue[] = [];
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === entryTag) out.push(readKeyValue(buf, r, readLenEnd(r, end), depth));
    else skipField(r, tag, end);
  }
  expectEnd(r, end);
  return out;
}

/** Reads an int64 varint as a signed bigint. */
function readInt64(r: Reader, end: number): bigint {
  const bits = readInt64Bits(r, end);
  return typeof bits === 'number' ? BigInt(bits) : longToBigInt(bits);
}

/** Reads an int64 varint as protobufjs gives it (a Long, since `long` is wired in). */
export function readInt64Bits(r: Reader, end: number): Long | number {
  const bits = r.int64() as unknown as Long | number;
  if (r.pos > end) throw new OtlpDecodeError('invalid_protobuf', 'int64 overruns its value');
  return bits;
}

/** Decimal text of a signed int64, exact, without a bigint when the value is a safe integer. */
export function int64Decimal(bits: Long | number): string {
  if (typeof bits === 'number') return String(bits);
  const n = bits.high * 4294967296 + (bits.low >>> 0);
  return Number.isSafeInteger(n) ? String(n) : longToBigInt(bits).toString();
}

/** Converts a protobufjs Long (signed or not) to a bigint without losing precision. */
export function longToBigInt(v: Long): bigint {
  const u = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return v.unsigned ? u : BigInt.asIntN(64, u);
}

/** Converts a bigint to the {low, high} bit pair protobufjs writers accept for 64-bit fields. */
export function bigIntToLongBits(v: bigint): Long {
  const u = BigInt.asUintN(64, v);
  return new Long(Number(u & 0xffffffffn) | 0, Number(u >> 32n) | 0, false);
}

/** Writes `value` as the body of an AnyValue message (caller wraps it with fork/ldelim). */
export function writeAnyValueBody(w: Writer, value: AnyValue): void {
  if ('string' in value) w.uint32(W.ANY_STRING).string(value.string);
  else if ('bool' in value) w.uint32(W.ANY_BOOL).bool(value.bool);
  else if ('int' in value) w.uint32(W.ANY_INT).int64(bigIntToLongBits(value.int));
  else if ('double' in value) w.uint32(W.ANY_DOUBLE).double(value.double);
  else if ('bytes' in value) w.uint32(W.ANY_BYTES).bytes(value.bytes);
  else if ('array' in value) {
    w.uint32(W.ANY_ARRAY).fork();
    for (const item of value.array) {
      w.uint32(W.ARRAY_VALUES).fork();
      writeAnyValueBody(w, item);
      w.ldelim();
    }
    w.ldelim();
  } else if ('kvlist' in value) {
    w.uint32(W.ANY_KVLIST).fork();
    for (const kv of value.kvlist) writeKeyValue(w, W.KVLIST_VALUES, kv);
    w.ldelim();
  }
  // { empty: true }: no field at all.
}

/** Writes one KeyValue as field `tag` of the enclosing message. */
export function writeKeyValue(w: Writer, tag: number, kv: KeyValue): void {
  w.uint32(tag).fork();
  if (kv.key !== '') w.uint32(W.KV_KEY).string(kv.key);
  w.uint32(W.KV_VALUE).fork();
  writeAnyValueBody(w, kv.value);
  w.ldelim();
  w.ldelim();
}

/** Type name of a value, e.g. for error messages and tests. */
export function anyValueType(v: AnyValue): 'string' | 'bool' | 'int' | 'double' | 'bytes' | 'array' | 'kvlist' | 'empty' {
  if ('string' in v) return 'string';
  if ('bool' in v) return 'bool';
  if ('int' in v) return 'int';
  if ('double' in v) return 'double';
  if ('bytes' in v) return 'bytes';
  if ('array' in v) return 'array';
  if ('kvlist' in v) return 'kvlist';
  return 'empty';
}

import { type AnyValue, readAnyValue } from './any-value';
import { getAttributes } from './attributes';
import { asDecodeError } from './errors';
import { KeyOrdinals } from './key-ordinals';
import { asBuffer, createReader } from './read';
import { EMPTY_ANY_VALUE, readScalarAnyValue } from './scalar-any-value';
import { KVLIST_VALUES, KV_KEY, KV_VALUE } from './wire';

/**
 * Reads a fixed list of attribute keys from OTLP KeyValueList buffers into a flat table, one
 * pass per buffer: the value of keys[k] in the buffer of row `row` goes to table[k * rows + row].
 * Compile one reader per key list and reuse it for every buffer.
 *
 * The result, and any error, is the one `getAttributes(buf, new Set(keys))` gives: first
 * occurrence of a key wins, a KeyValue without value reads as `{ empty: true }`, no other value is
 * decoded, the scan stops once every key was found, and malformed bytes met before that throw
 * OtlpDecodeError. The pass handles the usual encoding (what every OTLP SDK writes) by itself;
 * anything else in a buffer (unknown fields, long varints, lengths that overrun) sends that buffer
 * to getAttributes, so uncommon and malformed input behaves exactly as before.
 */
export class AttributeRowReader {
  private readonly ordinals: KeyOrdinals;
  private readonly keySet: ReadonlySet<string>;
  private readonly cursor = new Cursor();

  constructor(keys: readonly string[]) {
    this.ordinals = new KeyOrdinals(keys);
    this.keySet = new Set(keys);
  }

  get keys(): readonly string[] {
    return this.ordinals.keys;
  }

  /**
   * Writes the values found in `buf` to table[k * rows + row] for each key ordinal k. Slots of
   * absent keys are not written: pass a table whose slots for this row are undefined.
   */
  readRow(buf: Uint8Array, table: (AnyValue | undefined)[], row: number, rows: number): void {
    if (this.ordinals.size === 0) return;
    const b = asBuffer(buf);
    if (!this.readUsualEncoding(b, table, row, rows)) this.readAnyEncoding(b, table, row, rows);
  }

  /** The single pass over the usual encoding; false (having thrown nothing) when `buf` holds anything else. */
  private readUsualEncoding(buf: Buffer, table: (AnyValue | undefined)[], row: number, rows: number): boolean {
    const c = this.cursor;
    c.pos = 0;
    const end = buf.length;
    const wanted = this.ordinals.size;
    let found = 0;
    while (c.pos < end) {
      if (c.varint(buf) !== KVLIST_VALUES) return false;
      const entryEnd = c.lengthEnd(buf, end);
      if (entryEnd < 0) return false;
      let keyStart = 0;
      let keyEnd = 0;
      let valueStart = -1;
      let valueEnd = -1;
      while (c.pos < entryEnd) {
        const tag = c.varint(buf);
        if (tag !== KV_KEY && tag !== KV_VALUE) return false;
        const fieldEnd = c.lengthEnd(buf, entryEnd);
        if (fieldEnd < 0) return false;
        if (tag === KV_KEY) {
          keyStart = c.pos;
          keyEnd = fieldEnd;
        } else {
          valueStart = c.pos;
          valueEnd = fieldEnd;
        }
        c.pos = fieldEnd;
      }
      const ordinal = this.ordinals.ordinalAt(buf, keyStart, keyEnd);
      if (ordinal < 0) continue;
      const slot = ordinal * rows + row;
      if (table[slot] !== undefined) continue;
      table[slot] = valueEnd < 0 ? EMPTY_ANY_VALUE : readValue(buf, valueStart, valueEnd);
      if (++found === wanted) return true;
    }
    return true;
  }

  /** Any encoding, malformed included: the protobufjs-based getAttributes decides. */
  private readAnyEncoding(buf: Buffer, table: (AnyValue | undefined)[], row: number, rows: number): void {
    const keys = this.ordinals.keys;
    for (let k = 0; k < keys.length; k++) table[k * rows + row] = undefined;
    const values = getAttributes(buf, this.keySet);
    for (let k = 0; k < keys.length; k++) table[k * rows + row] = values.get(keys[k]!);
  }
}

/** The AnyValue body buf[start, end): scalars straight from the bytes, anything else (and errors) as getAttributes reads them. */
function readValue(buf: Buffer, start: number, end: number): AnyValue {
  const scalar = readScalarAnyValue(buf, start, end);
  if (scalar !== undefined) return scalar;
  const r = createReader(buf);
  r.pos = start;
  try {
    return readAnyValue(buf, r, end, 0);
  } catch (err) {
    throw asDecodeError(err, 'invalid_protobuf', 'malformed KeyValueList');
  }
}

/** A read position, with the varint form the usual encoding uses. */
class Cursor {
  pos = 0;

  /** A varint of 1 to 4 bytes that ends inside `buf` (advancing past it), else -1 (position unspecified). */
  varint(buf: Buffer): number {
    const n = buf.length;
    let p = this.pos;
    if (p < n && buf[p]! < 0x80) {
      this.pos = p + 1;
      return buf[p]!;
    }
    let value = 0;
    for (let shift = 0; shift <= 21 && p < n; shift += 7) {
      const byte = buf[p++]!;
      value |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        this.pos = p;
        return value;
      }
    }
    return -1;
  }

  /** Reads a length prefix; the end of the payload when it lies within `limit`, else -1. */
  lengthEnd(buf: Buffer, limit: number): number {
    const length = this.varint(buf);
    if (length < 0) return -1;
    const end = this.pos + length;
    return end <= limit ? end : -1;
  }
}

import { type AnyValue, readAnyValue } from './any-value';
import { getAttributes } from './attributes';
import { asDecodeError } from './errors';
import { KeyOrdinals } from './key-ordinals';
import { EntryBounds, EntryCursor, readEntry } from './kvlist-entry';
import { asBuffer, createReader } from './read';
import { EMPTY_ANY_VALUE, readScalarAnyValue } from './scalar-any-value';

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
 * to getAttributes, so uncommon and malformed input behaves exactly as before. Values may be
 * shared frozen objects (see readScalarAnyValue): treat them as immutable.
 */
export class AttributeRowReader {
  private readonly ordinals: KeyOrdinals;
  private readonly keySet: ReadonlySet<string>;
  private readonly cursor = new EntryCursor();
  private readonly entry = new EntryBounds();

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
    this.readRowIn(asBuffer(buf), 0, buf.length, table, row, rows);
  }

  /**
   * readRow over the KeyValueList at buf[start, end), e.g. a span's attributes where they lie in
   * its record, without creating a view of them. Same results and errors as readRow on that view.
   */
  readRowIn(buf: Buffer, start: number, end: number, table: (AnyValue | undefined)[], row: number, rows: number): void {
    if (this.ordinals.size === 0) return;
    let usual: boolean;
    try {
      usual = this.readUsualEncoding(buf, start, end, table, row, rows);
    } catch (error) {
      if (start === 0 && end === buf.length) throw error;
      // Error messages name offsets: read the range again as a buffer of its own, so they are
      // the offsets within the list, as readRow gives them.
      this.clearRow(table, row, rows);
      this.readRowIn(buf.subarray(start, end), 0, end - start, table, row, rows);
      return;
    }
    if (!usual) this.readAnyEncoding(buf.subarray(start, end), table, row, rows);
  }

  /** The single pass over the usual encoding; false (having thrown nothing) when buf[start, end) holds anything else. */
  private readUsualEncoding(buf: Buffer, start: number, end: number, table: (AnyValue | undefined)[], row: number, rows: number): boolean {
    const entry = this.entry;
    const ordinals = this.ordinals;
    const wanted = ordinals.size;
    let found = 0;
    let pos = start;
    while (pos < end) {
      if (!readEntry(buf, pos, entry, this.cursor, end)) return false;
      pos = entry.end;
      const ordinal = ordinals.ordinalAt(buf, entry.keyStart, entry.keyEnd);
      if (ordinal < 0) continue;
      const slot = ordinal * rows + row;
      if (table[slot] !== undefined) continue;
      table[slot] = entry.valueEnd < 0 ? EMPTY_ANY_VALUE : readValue(buf, entry.valueStart, entry.valueEnd);
      if (++found === wanted) return true;
    }
    return true;
  }

  private clearRow(table: (AnyValue | undefined)[], row: number, rows: number): void {
    for (let k = 0; k < this.ordinals.size; k++) table[k * rows + row] = undefined;
  }

  /** Any encoding, malformed included: the protobufjs-based getAttributes decides. */
  private readAnyEncoding(buf: Buffer, table: (AnyValue | undefined)[], row: number, rows: number): void {
    const keys = this.ordinals.keys;
    this.clearRow(table, row, rows);
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

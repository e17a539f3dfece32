import { KVLIST_VALUES, KV_KEY, KV_VALUE } from './wire';

/*
 * Bounds of the entries of an OTLP KeyValueList in the usual encoding (KeyValue fields with
 * key and value fields only, varints of at most four bytes, every length inside its message).
 * These functions never throw: anything else makes them return false, and callers then read the
 * buffer with the protobufjs-based helpers, which handle (and report) every other form.
 */

/** Where the parts of one KeyValue lie in the buffer (one instance reused for every entry). */
export class EntryBounds {
  /** End of the whole entry (where the next one starts). */
  end = 0;
  keyStart = 0;
  keyEnd = 0;
  /** -1 when the entry has no value field. */
  valueStart = -1;
  valueEnd = -1;
}

/**
 * Reads the bounds of the KeyValueList entry at `pos` (of a list that ends at `end`) into `e`;
 * false when it is not in the usual encoding. The common shape (key then value, every length in one byte) is recognized directly;
 * other shapes are read field by field.
 */
export function readEntry(buf: Buffer, pos: number, e: EntryBounds, c: EntryCursor, end: number = buf.length): boolean {
  if (buf[pos] !== KVLIST_VALUES || pos + 1 >= end) return false;
  const length = buf[pos + 1]!;
  if (length >= 0x80) return readEntryFields(buf, pos, e, c, end);
  const start = pos + 2;
  const entryEnd = start + length;
  if (entryEnd > end) return false;
  if (length < 4 || buf[start] !== KV_KEY) return readEntryFields(buf, pos, e, c, end);
  const keyLength = buf[start + 1]!;
  const keyEnd = start + 2 + keyLength;
  if (keyLength >= 0x80 || keyEnd + 2 > entryEnd || buf[keyEnd] !== KV_VALUE) return readEntryFields(buf, pos, e, c, end);
  const valueLength = buf[keyEnd + 1]!;
  if (valueLength >= 0x80 || keyEnd + 2 + valueLength !== entryEnd) return readEntryFields(buf, pos, e, c, end);
  e.end = entryEnd;
  e.keyStart = start + 2;
  e.keyEnd = keyEnd;
  e.valueStart = keyEnd + 2;
  e.valueEnd = entryEnd;
  return true;
}

/** readEntry for any order and number of key and value fields, and lengths of up to four varint bytes. */
function readEntryFields(buf: Buffer, pos: number, e: EntryBounds, c: EntryCursor, end: number): boolean {
  c.pos = pos;
  if (c.varint(buf, end) !== KVLIST_VALUES) return false;
  const entryEnd = c.lengthEnd(buf, end, end);
  if (entryEnd < 0) return false;
  e.end = entryEnd;
  e.keyStart = 0;
  e.keyEnd = 0;
  e.valueStart = -1;
  e.valueEnd = -1;
  while (c.pos < entryEnd) {
    const tag = c.varint(buf, end);
    if (tag !== KV_KEY && tag !== KV_VALUE) return false;
    const fieldEnd = c.lengthEnd(buf, end, entryEnd);
    if (fieldEnd < 0) return false;
    if (tag === KV_KEY) {
      e.keyStart = c.pos;
      e.keyEnd = fieldEnd;
    } else {
      e.valueStart = c.pos;
      e.valueEnd = fieldEnd;
    }
    c.pos = fieldEnd;
  }
  return true;
}

/** A read position, with the varint form the usual encoding uses. */
export class EntryCursor {
  pos = 0;

  /** A varint of 1 to 4 bytes that ends before `end` (advancing past it), else -1 (position unspecified). */
  varint(buf: Buffer, end: number = buf.length): number {
    const n = end;
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

  /** Reads a length prefix (ending before `end`); the end of the payload when it lies within `limit`, else -1. */
  lengthEnd(buf: Buffer, end: number, limit: number): number {
    const length = this.varint(buf, end);
    if (length < 0) return -1;
    const payloadEnd = this.pos + length;
    return payloadEnd <= limit ? payloadEnd : -1;
  }
}

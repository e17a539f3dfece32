import { readKeyValue, writeKeyValue } from './any-value';
import { Writer } from './protobuf';
import { EMPTY_BYTES, createReader, readLenEnd, skipField } from './read';
import * as W from './wire';

/**
 * Byte-level helpers for attribute lists. OTLP messages hold attributes as a repeated KeyValue
 * field (Span: 9, InstrumentationScope: 3, Event: 3, Link: 4, Resource: 1); Tailstream stores them
 * as a KeyValueList (field 1). Both are a sequence of `tag, length, KeyValue bytes`, so converting
 * is a copy with the one-byte tag replaced; the KeyValue bytes themselves are never decoded.
 */

/**
 * Copies the entries [starts[i], ends[i]) of `src` (each a complete tag+length+KeyValue, tag one
 * byte long) into a new KeyValueList buffer.
 */
export function entriesToKeyValueList(src: Buffer, starts: readonly number[], ends: readonly number[]): Buffer {
  const n = starts.length;
  if (n === 0) return EMPTY_BYTES;
  let size = 0;
  for (let i = 0; i < n; i++) size += (ends[i] as number) - (starts[i] as number);
  const out = Buffer.allocUnsafe(size);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    const start = starts[i] as number;
    pos += src.copy(out, pos, start, ends[i] as number);
    out[pos - ((ends[i] as number) - start)] = W.KVLIST_VALUES;
  }
  return out;
}

/** Cuts a string to at most `max` Unicode code points (never splitting a surrogate pair). */
export function truncateCodePoints(s: string, max: number): string {
  if (s.length <= max) return s;
  let count = 0;
  let i = 0;
  while (i < s.length) {
    if (count === max) return s.slice(0, i);
    const c = s.charCodeAt(i);
    const pair = c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
    i += pair ? 2 : 1;
    count++;
  }
  return s;
}

/**
 * Truncates string attribute values longer than `maxLength` code points, re-encoding only the
 * entries concerned (others are copied byte for byte). Returns the input buffer itself when no
 * value was cut. Entries whose whole encoding fits in `maxLength` bytes are not even decoded.
 */
export function truncateStringValues(kvlist: Buffer, maxLength: number): { attributes: Buffer; truncated: number } {
  const r = createReader(kvlist);
  const pieces: Buffer[] = [];
  let truncated = 0;
  let copyFrom = 0;
  while (r.pos < kvlist.length) {
    const entryStart = r.pos;
    const tag = r.uint32();
    if (tag !== W.KVLIST_VALUES) {
      skipField(r, tag, kvlist.length);
      continue;
    }
    const entryEnd = readLenEnd(r, kvlist.length);
    if (entryEnd - r.pos <= maxLength) {
      r.pos = entryEnd;
      continue;
    }
    const kv = readKeyValue(kvlist, r, entryEnd, 0);
    if (!('string' in kv.value)) continue;
    const cut = truncateCodePoints(kv.value.string, maxLength);
    if (cut.length === kv.value.string.length) continue;
    truncated++;
    if (entryStart > copyFrom) pieces.push(kvlist.subarray(copyFrom, entryStart));
    const w = Writer.create();
    writeKeyValue(w, W.KVLIST_VALUES, { key: kv.key, value: { string: cut } });
    pieces.push(w.finish() as Buffer);
    copyFrom = entryEnd;
  }
  if (truncated === 0) return { attributes: kvlist, truncated: 0 };
  if (copyFrom < kvlist.length) pieces.push(kvlist.subarray(copyFrom));
  return { attributes: Buffer.concat(pieces), truncated };
}

import { type AnyValue, type KeyValue, int64Decimal, readAnyValue, readInt64Bits, readKeyValues, writeKeyValue } from './any-value';
import { anyValueAsString, doubleAsString } from './as-string';
import { asDecodeError } from './errors';
import { Writer, type Reader } from './protobuf';
import { asBuffer, createReader, expectEnd, readLenEnd, readString, readUint32, skipField, utf8At } from './read';
import * as W from './wire';

/**
 * The attribute codec used by every stage. Attribute sets travel as the protobuf encoding of an
 * OTLP `KeyValueList` (see @tailstream/model); these functions read them without ever going
 * through intermediate JS objects for the values they do not need.
 *
 * Duplicate keys are invalid in OTLP. If they occur anyway: `getAttribute`/`getAttributes` return
 * the first occurrence (like the Collector's `Map.Get`), `flattenAttributes` keeps the last (like
 * the Collector when it converts attributes to a map for ClickHouse).
 *
 * Malformed bytes throw OtlpDecodeError (reason `invalid_protobuf` or `too_deep`).
 */

/** Decodes every attribute of a KeyValueList, values with their OTLP type. */
export function decodeKeyValueList(buf: Uint8Array): KeyValue[] {
  const b = asBuffer(buf);
  const r = createReader(b);
  try {
    return readKeyValues(b, r, b.length, W.KVLIST_VALUES, 0);
  } catch (err) {
    throw asDecodeError(err, 'invalid_protobuf', 'malformed KeyValueList');
  }
}

/**
 * Attributes as a string map, each value converted by `anyValueAsString` (the Collector's
 * `AsString()` rule). The returned object has no prototype, so any key (even `__proto__`) is safe.
 */
export function flattenAttributes(buf: Uint8Array): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  scanKeyValues(buf, (b, keyStart, keyEnd, r, valueEnd) => {
    out[utf8At(b, keyStart, keyEnd)] = valueEnd < 0 ? '' : readAnyValueAsString(b, r, valueEnd);
    return true;
  });
  return out;
}

/** The value of one attribute, or undefined when absent. Values of other keys are skipped unread. */
export function getAttribute(buf: Uint8Array, key: string): AnyValue | undefined {
  const wanted = Buffer.from(key, 'utf8');
  let found: AnyValue | undefined;
  scanKeyValues(buf, (b, keyStart, keyEnd, r, valueEnd) => {
    if (keyEnd - keyStart !== wanted.length || b.compare(wanted, 0, wanted.length, keyStart, keyEnd) !== 0) return true;
    found = valueEnd < 0 ? { empty: true } : readAnyValue(b, r, valueEnd, 0);
    return false;
  });
  return found;
}

/** The wanted keys as UTF-8 bytes, grouped by byte length, for comparing keys in place. */
interface KeyMatcher {
  size: number;
  /** byLength[n]: the wanted keys of n bytes (undefined when none). */
  byLength: Array<Array<{ name: string; bytes: Buffer }> | undefined>;
}

/** Compiled per key set: callers pass the same set for every span (e.g. a policy engine's keys). */
const matchers = new WeakMap<ReadonlySet<string>, KeyMatcher>();

function matcherFor(keys: ReadonlySet<string>): KeyMatcher {
  let m = matchers.get(keys);
  // A set that changed size since it was compiled is compiled again.
  if (m === undefined || m.size !== keys.size) {
    m = { size: keys.size, byLength: [] };
    for (const name of keys) {
      const bytes = Buffer.from(name, 'utf8');
      (m.byLength[bytes.length] ??= []).push({ name, bytes });
    }
    matchers.set(keys, m);
  }
  return m;
}

function keyAt(m: KeyMatcher, b: Buffer, start: number, end: number): string | undefined {
  const candidates = m.byLength[end - start];
  if (candidates === undefined) return undefined;
  for (let c = 0; c < candidates.length; c++) {
    const cand = candidates[c] as { name: string; bytes: Buffer };
    const kb = cand.bytes;
    let i = 0;
    while (i < kb.length && kb[i] === b[start + i]) i++;
    if (i === kb.length) return cand.name;
  }
  return undefined;
}

/**
 * The values of the attributes named in `keys` (those present), decoding no other value and
 * stopping as soon as every key was found. Keys are compared as bytes in place (the set is
 * compiled once and cached; treat a set passed here as immutable), so no key is decoded to a
 * string.
 */
export function getAttributes(buf: Uint8Array, keys: ReadonlySet<string>): Map<string, AnyValue> {
  const found = new Map<string, AnyValue>();
  if (keys.size === 0) return found;
  const m = matcherFor(keys);
  scanKeyValues(buf, (b, keyStart, keyEnd, r, valueEnd) => {
    const k = keyAt(m, b, keyStart, keyEnd);
    if (k === undefined || found.has(k)) return true;
    found.set(k, valueEnd < 0 ? { empty: true } : readAnyValue(b, r, valueEnd, 0));
    return found.size < keys.size;
  });
  return found;
}

/** Encodes attributes as an OTLP KeyValueList (the form SpanRecord.attributes holds). */
export function encodeKeyValueList(entries: Iterable<KeyValue>): Buffer {
  const w = Writer.create();
  for (const kv of entries) writeKeyValue(w, W.KVLIST_VALUES, kv);
  return w.finish() as Buffer;
}

/**
 * `anyValueAsString` of the AnyValue body at [r.pos, end). A body made of one scalar field (the
 * usual case) is converted straight from the wire, with no intermediate value object.
 */
function readAnyValueAsString(buf: Buffer, r: Reader, end: number): string {
  const start = r.pos;
  if (start < end) {
    const tag = r.uint32();
    let text: string | undefined;
    if (tag === W.ANY_STRING) text = readString(buf, r, end);
    else if (tag === W.ANY_INT) text = int64Decimal(readInt64Bits(r, end));
    else if (tag === W.ANY_BOOL) text = readUint32(r, end) !== 0 ? 'true' : 'false';
    else if (tag === W.ANY_DOUBLE && r.pos + 8 <= end) {
      text = doubleAsString(buf.readDoubleLE(r.pos));
      r.pos += 8;
    }
    if (text !== undefined && r.pos === end) return text;
    r.pos = start;
  }
  return anyValueAsString(readAnyValue(buf, r, end, 0));
}

/**
 * Calls `visit(buf, keyStart, keyEnd, reader, valueEnd)` for each KeyValue, with the key's UTF-8
 * bytes at [keyStart, keyEnd) and the reader at the start of the AnyValue body (valueEnd = -1 when
 * the entry has no value). `visit` may read the value; the scan moves on by offsets either way.
 * Returning false stops the scan.
 */
function scanKeyValues(
  input: Uint8Array,
  visit: (buf: Buffer, keyStart: number, keyEnd: number, r: Reader, valueEnd: number) => boolean,
): void {
  const b = asBuffer(input);
  const r = createReader(b);
  try {
    while (r.pos < b.length) {
      const tag = r.uint32();
      if (tag !== W.KVLIST_VALUES) {
        skipField(r, tag, b.length);
        continue;
      }
      const entryEnd = readLenEnd(r, b.length);
      let keyStart = 0;
      let keyEnd = 0;
      let valueStart = -1;
      let valueEnd = -1;
      while (r.pos < entryEnd) {
        const t = r.uint32();
        if (t === W.KV_KEY) {
          keyEnd = readLenEnd(r, entryEnd);
          keyStart = r.pos;
          r.pos = keyEnd;
        } else if (t === W.KV_VALUE) {
          valueEnd = readLenEnd(r, entryEnd);
          valueStart = r.pos;
          r.pos = valueEnd;
        } else skipField(r, t, entryEnd);
      }
      expectEnd(r, entryEnd);
      if (valueStart >= 0) r.pos = valueStart;
      const more = visit(b, keyStart, keyEnd, r, valueEnd);
      r.pos = entryEnd;
      if (!more) return;
    }
  } catch (err) {
    throw asDecodeError(err, 'invalid_protobuf', 'malformed KeyValueList');
  }
}

import type { AnyValue, KeyValue } from './any-value';

/**
 * The ONE rule that turns an attribute value into a string, everywhere in Tailstream (flattened
 * attribute maps, ClickHouse `Map(String, String)` columns, sampler string matching). It is the
 * OpenTelemetry Collector's `pcommon.Value.AsString()`, so rows match what the Collector's
 * ClickHouse exporter writes:
 *
 * | OTLP type | string                                                                     |
 * |-----------|----------------------------------------------------------------------------|
 * | string    | as is                                                                      |
 * | bool      | `true` / `false`                                                           |
 * | int       | decimal (`-42`), full int64 precision                                      |
 * | double    | shortest round-trip decimal, ES6 style (`1.5`, `1e-7`, `1e+21`, `-0`);     |
 * |           | NaN/±Inf: `json: unsupported value: NaN` / `+Inf` / `-Inf` (Collector's text) |
 * | bytes     | standard base64 with padding                                               |
 * | array     | JSON array of the raw values (Go `encoding/json`: see below)               |
 * | kvlist    | JSON object, keys sorted by UTF-8 bytes, last duplicate key wins           |
 * | empty     | `` (empty string); `null` inside arrays and kvlists                        |
 *
 * JSON follows Go's `json.Marshal`: ints exact, doubles as above, bytes as base64 strings, and
 * strings escaped with `\"`, `\\`, `\b`, `\f`, `\n`, `\r`, `\t`, `\u00xx` for other control
 * characters, and `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029` for `<`, `>`, `&`, U+2028,
 * U+2029. An array or kvlist holding a NaN/±Inf double anywhere becomes `` (Go's marshal error).
 */
export function anyValueAsString(v: AnyValue): string {
  if ('string' in v) return v.string;
  if ('int' in v) return v.int.toString();
  if ('bool' in v) return v.bool ? 'true' : 'false';
  if ('double' in v) return doubleAsString(v.double);
  if ('bytes' in v) return v.bytes.toString('base64');
  if ('array' in v || 'kvlist' in v) return toGoJson(v) ?? '';
  return '';
}

/** ES6 number formatting as the Collector does it (adds `-0`, and its text for NaN/±Inf). */
export function doubleAsString(d: number): string {
  if (Number.isNaN(d)) return 'json: unsupported value: NaN';
  if (d === Infinity) return 'json: unsupported value: +Inf';
  if (d === -Infinity) return 'json: unsupported value: -Inf';
  if (d === 0 && Object.is(d, -0)) return '-0';
  return String(d);
}

/** Go `json.Marshal` of the value's raw form; undefined when Go would fail (NaN/±Inf inside). */
function toGoJson(v: AnyValue): string | undefined {
  if ('string' in v) return goQuote(v.string);
  if ('int' in v) return v.int.toString();
  if ('bool' in v) return v.bool ? 'true' : 'false';
  if ('double' in v) return Number.isFinite(v.double) ? doubleAsString(v.double) : undefined;
  if ('bytes' in v) return `"${v.bytes.toString('base64')}"`;
  if ('array' in v) {
    const parts: string[] = [];
    for (const item of v.array) {
      const json = toGoJson(item);
      if (json === undefined) return undefined;
      parts.push(json);
    }
    return `[${parts.join(',')}]`;
  }
  if ('kvlist' in v) return kvlistToGoJson(v.kvlist);
  return 'null';
}

function kvlistToGoJson(entries: KeyValue[]): string | undefined {
  const byKey = new Map<string, AnyValue>();
  for (const e of entries) byKey.set(e.key, e.value);
  const keys = [...byKey.keys()].sort(compareUtf8);
  const parts: string[] = [];
  for (const key of keys) {
    const json = toGoJson(byKey.get(key) as AnyValue);
    if (json === undefined) return undefined;
    parts.push(`${goQuote(key)}:${json}`);
  }
  return `{${parts.join(',')}}`;
}

/** Orders strings as their UTF-8 bytes compare (code point order), as Go sorts map keys. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Surrogates (U+D800..DFFF) encode code points above U+FFFF: they sort after U+E000..FFFF.
    const ka = ca >= 0xd800 && ca <= 0xdfff ? ca + 0x2000 : ca >= 0xe000 ? ca - 0x800 : ca;
    const kb = cb >= 0xd800 && cb <= 0xdfff ? cb + 0x2000 : cb >= 0xe000 ? cb - 0x800 : cb;
    return ka - kb;
  }
  return a.length - b.length;
}

const HEX = '0123456789abcdef';

function needsEscape(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) {
      return true;
    }
  }
  return false;
}

/** Quotes a string as Go's encoding/json does with HTML escaping on (its default). */
export function goQuote(s: string): string {
  if (!needsEscape(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    switch (c) {
      case 0x22:
        out += '\\"';
        break;
      case 0x5c:
        out += '\\\\';
        break;
      case 0x08:
        out += '\\b';
        break;
      case 0x0c:
        out += '\\f';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      default:
        if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26) {
          out += `\\u00${HEX[c >> 4]}${HEX[c & 15]}`;
        } else if (c === 0x2028 || c === 0x2029) {
          out += `\\u${c.toString(16)}`;
        } else {
          out += s[i];
        }
    }
  }
  return `${out}"`;
}

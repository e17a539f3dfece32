import type { KeyValue } from '@tailstream/otlp';

/** Where span attributes are written: straight to protobuf bytes, or to KeyValue objects (tests). */
export interface AttributeSink {
  str(key: string, value: string): void;
  /** A non-negative or negative integer (OTLP intValue). */
  int(key: string, value: number): void;
  bool(key: string, value: boolean): void;
  /**
   * Attributes that depend only on `owner` and `variant` (e.g. an operation and the span role):
   * `write` runs once per (owner, variant) and its bytes are reused afterwards.
   */
  fixed(owner: object, variant: string, write: (sink: AttributeSink) => void): void;
}

/** Collects attributes as @tailstream/otlp KeyValue objects. */
export class KeyValueCollector implements AttributeSink {
  readonly entries: KeyValue[] = [];
  str(key: string, value: string): void {
    this.entries.push({ key, value: { string: value } });
  }
  int(key: string, value: number): void {
    this.entries.push({ key, value: { int: BigInt(Math.trunc(value)) } });
  }
  bool(key: string, value: boolean): void {
    this.entries.push({ key, value: { bool: value } });
  }
  fixed(_owner: object, _variant: string, write: (sink: AttributeSink) => void): void {
    write(this);
  }
}

// KeyValueList.values = 1; KeyValue.key = 1, KeyValue.value = 2; AnyValue string = 1, bool = 2, int = 3.
const LIST_ENTRY = 0x0a;
const KV_KEY = 0x0a;
const KV_VALUE = 0x12;
const ANY_STRING = 0x0a;
const ANY_BOOL = 0x10;
const ANY_INT = 0x18;
const NO_KEY = Buffer.alloc(0);

/**
 * Writes an OTLP `KeyValueList` directly as protobuf bytes, with no intermediate objects: the
 * generator's hot path (several times faster than building KeyValue objects and encoding them).
 * Produces exactly the bytes @tailstream/otlp `encodeKeyValueList` produces for the same entries
 * (checked by attribute-writer.test.ts). Reused: `finish()` returns a copy and resets.
 */
export class KeyValueListWriter implements AttributeSink {
  private buf = Buffer.allocUnsafe(8192);
  private pos = 0;
  private readonly keys = new Map<string, Buffer>();
  private readonly fixedParts = new WeakMap<object, Map<string, Buffer>>();

  str(key: string, value: string): void {
    const k = this.key(key);
    if (value.length < 128 && this.asciiStr(k, value)) return;
    const n = Buffer.byteLength(value, 'utf8');
    const anyLen = 1 + varintSize(n) + n;
    this.entry(k, anyLen);
    this.buf[this.pos++] = ANY_STRING;
    this.varint(n);
    this.pos += this.buf.write(value, this.pos, 'utf8');
  }

  int(key: string, value: number): void {
    const v = Math.trunc(value);
    if (v < 0 || v > 0xffffffff) {
      this.bigInt(key, BigInt(v));
      return;
    }
    const k = this.key(key);
    this.entry(k, 1 + varintSize(v));
    this.buf[this.pos++] = ANY_INT;
    this.varint(v);
  }

  bool(key: string, value: boolean): void {
    const k = this.key(key);
    this.entry(k, 2);
    this.buf[this.pos++] = ANY_BOOL;
    this.buf[this.pos++] = value ? 1 : 0;
  }

  fixed(owner: object, variant: string, write: (sink: AttributeSink) => void): void {
    let byVariant = this.fixedParts.get(owner);
    if (!byVariant) this.fixedParts.set(owner, (byVariant = new Map()));
    let bytes = byVariant.get(variant);
    if (!bytes) {
      const part = new KeyValueListWriter();
      write(part);
      bytes = part.finish();
      byVariant.set(variant, bytes);
    }
    this.ensure(bytes.length);
    this.pos += bytes.copy(this.buf, this.pos);
  }

  /** The list written since the last finish(), as a new Buffer. */
  finish(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  /**
   * Short ASCII strings written char by char (much cheaper than a native Buffer.write call per
   * value). Returns false, having written nothing, when the value is not pure ASCII.
   */
  private asciiStr(k: Buffer, value: string): boolean {
    const n = value.length;
    for (let i = 0; i < n; i++) if (value.charCodeAt(i) > 0x7f) return false;
    this.entry(k, 2 + n); // n < 128: one-byte length
    const buf = this.buf;
    let pos = this.pos;
    buf[pos++] = ANY_STRING;
    buf[pos++] = n;
    for (let i = 0; i < n; i++) buf[pos++] = value.charCodeAt(i);
    this.pos = pos;
    return true;
  }

  private bigInt(key: string, value: bigint): void {
    const bytes: number[] = [];
    let u = BigInt.asUintN(64, value);
    while (u >= 0x80n) {
      bytes.push(Number(u & 0x7fn) | 0x80);
      u >>= 7n;
    }
    bytes.push(Number(u));
    const k = this.key(key);
    this.entry(k, 1 + bytes.length);
    this.buf[this.pos++] = ANY_INT;
    for (const b of bytes) this.buf[this.pos++] = b;
  }

  /** Writes the list entry header, the key and the value header; the caller writes the AnyValue body. */
  private entry(encodedKey: Buffer, anyLen: number): void {
    const kvLen = encodedKey.length + 1 + varintSize(anyLen) + anyLen;
    this.ensure(1 + 5 + kvLen);
    this.buf[this.pos++] = LIST_ENTRY;
    this.varint(kvLen);
    encodedKey.copy(this.buf, this.pos);
    this.pos += encodedKey.length;
    this.buf[this.pos++] = KV_VALUE;
    this.varint(anyLen);
  }

  /** `KeyValue.key` field (tag, length, UTF-8), cached per key; omitted when empty (the proto3 default). */
  private key(key: string): Buffer {
    if (key === '') return NO_KEY;
    let k = this.keys.get(key);
    if (k === undefined) {
      const bytes = Buffer.from(key, 'utf8');
      k = Buffer.concat([Buffer.from([KV_KEY]), encodeVarint(bytes.length), bytes]);
      if (this.keys.size < 4096) this.keys.set(key, k);
    }
    return k;
  }

  private varint(n: number): void {
    let v = n;
    while (v >= 0x80) {
      this.buf[this.pos++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(bigger, 0, 0, this.pos);
    this.buf = bigger;
  }
}

function varintSize(n: number): number {
  let size = 1;
  let v = n;
  while (v >= 0x80) {
    v = Math.floor(v / 128);
    size++;
  }
  return size;
}

function encodeVarint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

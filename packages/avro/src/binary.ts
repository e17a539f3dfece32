/**
 * Avro binary encoding primitives (https://avro.apache.org/docs/1.11.1/specification/#binary-encoding)
 * for the hand-specialised span-batch codec: zig-zag varint `int` and `long`, length-prefixed
 * `bytes` and `string`. Reads are bounds-checked and throw AvroFormatError; writes go into a
 * growable scratch buffer that is copied out once per message.
 *
 * `long` values are JS bigints. They cross to and from 32-bit halves through a shared
 * BigInt64Array, so no bigint arithmetic (and no allocation but the result) happens per value.
 */

export class AvroFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AvroFormatError';
  }
}

const big64 = new BigInt64Array(1);
const halves = new Uint32Array(big64.buffer);
// halves[0] is the low word on little-endian machines (every platform Node supports today).
const LE = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const LO = LE ? 0 : 1;
const HI = LE ? 1 : 0;

/** A read position over one buffer. */
export class AvroReader {
  buf: Buffer;
  pos: number;
  end: number;
  /** Halves of the last longSplit(). */
  longHi = 0;
  longLo = 0;

  constructor(buf: Buffer, pos = 0, end = buf.length) {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  /** Points the reader at another range (readers are reused on hot paths). */
  reset(buf: Buffer, pos: number, end: number): void {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  /** Zig-zag varint `int` (at most 5 bytes, 32-bit range). */
  int(): number {
    const buf = this.buf;
    let pos = this.pos;
    let b = this.byteAt(pos++);
    let n = b & 0x7f;
    let shift = 7;
    while (b & 0x80) {
      if (shift > 28) throw new AvroFormatError(`varint int too long at byte ${this.pos}`);
      b = pos < this.end ? (buf[pos++] as number) : this.truncated(pos);
      n |= (b & 0x7f) << shift;
      shift += 7;
    }
    this.pos = pos;
    return (n >>> 1) ^ -(n & 1);
  }

  /** Zig-zag varint `long` as a bigint (at most 10 bytes). */
  long(): bigint {
    this.longHalves();
    return big64[0] as bigint;
  }

  /** Reads a `long` into `longHi` (signed) and `longLo` (unsigned) 32-bit halves, without a bigint. */
  longSplit(): void {
    this.longHalves();
    this.longHi = (halves[HI] as number) | 0;
    this.longLo = halves[LO] as number;
  }

  /** Skips a `long` without materialising it. */
  skipVarint(): void {
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < 10; i++) {
      const b = pos < this.end ? (buf[pos++] as number) : this.truncated(pos);
      if ((b & 0x80) === 0) {
        this.pos = pos;
        return;
      }
    }
    throw new AvroFormatError(`varint too long at byte ${this.pos}`);
  }

  /** Length prefix of a `bytes`/`string`, checked against the end. */
  length(): number {
    const start = this.pos;
    const n = this.int();
    if (n < 0) throw new AvroFormatError(`negative length ${n} at byte ${start}`);
    if (this.pos + n > this.end) throw new AvroFormatError(`length ${n} at byte ${start} runs past the end (${this.end})`);
    return n;
  }

  /** `bytes` as a view into the underlying buffer (no copy). */
  bytesView(): Buffer {
    const n = this.length();
    const start = this.pos;
    this.pos += n;
    return this.buf.subarray(start, start + n);
  }

  skipBytes(): void {
    const n = this.length();
    this.pos += n;
  }

  string(): string {
    const n = this.length();
    const start = this.pos;
    this.pos += n;
    return n === 0 ? '' : this.buf.toString('utf8', start, start + n);
  }

  /**
   * Item count of the next array block; 0 ends the array. A negative count (allowed by the
   * spec) is followed by the block's size in bytes, which is read and ignored.
   */
  blockCount(): number {
    let n = this.int();
    if (n < 0) {
      n = -n;
      this.skipVarint();
    }
    // every item takes at least one byte: a count beyond the remaining bytes is corrupt
    if (n > this.end - this.pos) throw new AvroFormatError(`array block of ${n} items at byte ${this.pos} exceeds the remaining bytes`);
    return n;
  }

  /** Throws unless every byte was read. */
  expectEnd(): void {
    if (this.pos !== this.end) throw new AvroFormatError(`trailing data: ${this.end - this.pos} bytes after the value`);
  }

  private longHalves(): void {
    const buf = this.buf;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    // bytes 0..3: 28 bits of the low word
    for (let shift = 0; shift < 28; shift += 7) {
      b = pos < this.end ? (buf[pos++] as number) : this.truncated(pos);
      lo |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return this.finishLong(pos, lo, 0);
    }
    // byte 4: 4 bits to the low word, 3 to the high word
    b = pos < this.end ? (buf[pos++] as number) : this.truncated(pos);
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >>> 4;
    if ((b & 0x80) === 0) return this.finishLong(pos, lo, hi);
    // bytes 5..9: the rest of the high word
    for (let shift = 3; shift < 32; shift += 7) {
      b = pos < this.end ? (buf[pos++] as number) : this.truncated(pos);
      hi |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return this.finishLong(pos, lo, hi);
    }
    throw new AvroFormatError(`varint long too long at byte ${this.pos}`);
  }

  private finishLong(pos: number, lo: number, hi: number): void {
    this.pos = pos;
    // zig-zag decode over 64 bits: (n >>> 1) ^ -(n & 1)
    const negative = -(lo & 1);
    halves[LO] = ((lo >>> 1) | (hi << 31)) ^ negative;
    halves[HI] = (hi >>> 1) ^ negative;
  }

  private byteAt(pos: number): number {
    return pos < this.end ? (this.buf[pos] as number) : this.truncated(pos);
  }

  private truncated(pos: number): never {
    throw new AvroFormatError(`truncated: value needs byte ${pos} of ${this.end}`);
  }
}

/** Ranges up to this long are copied by raw() in a loop instead of Buffer#copy. */
const RAW_LOOP_BYTES = 96;

/** Appends Avro values to a scratch buffer that grows as needed; take() copies the result out. */
export class AvroWriter {
  private buf: Buffer;
  pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  reset(): void {
    this.pos = 0;
  }

  /**
   * The scratch buffer itself (bytes [0, pos) are what was written). Valid until the next write,
   * which may replace it with a larger one.
   */
  get buffer(): Buffer {
    return this.buf;
  }

  /** A copy of what was written since reset(), in a buffer of its own size. */
  take(): Buffer {
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    return out;
  }

  int(n: number): void {
    this.ensure(5);
    let z = ((n << 1) ^ (n >> 31)) >>> 0;
    const buf = this.buf;
    let pos = this.pos;
    while (z > 0x7f) {
      buf[pos++] = (z & 0x7f) | 0x80;
      z >>>= 7;
    }
    buf[pos++] = z;
    this.pos = pos;
  }

  long(n: bigint): void {
    big64[0] = n;
    this.longHalves(halves[LO] as number, halves[HI] as number);
  }

  /**
   * A `long` given as its two 32-bit halves (two's complement; `hi` carries the sign), e.g. a
   * protobuf fixed64 read as two uint32: no bigint at all.
   */
  longHalves(lo: number, hi: number): void {
    this.ensure(10);
    // zig-zag encode over 64 bits: (n << 1) ^ (n >> 63)
    const sign = hi >> 31;
    let zlo = ((lo << 1) ^ sign) >>> 0;
    let zhi = (((hi << 1) | (lo >>> 31)) ^ sign) >>> 0;
    const buf = this.buf;
    let pos = this.pos;
    // 7 bits at a time from the 64-bit (zhi:zlo)
    while (zhi !== 0 || zlo > 0x7f) {
      buf[pos++] = (zlo & 0x7f) | 0x80;
      zlo = ((zlo >>> 7) | (zhi << 25)) >>> 0;
      zhi >>>= 7;
    }
    buf[pos++] = zlo;
    this.pos = pos;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    this.int(n);
    this.ensure(n);
    const buf = this.buf;
    let pos = this.pos;
    if (n <= 48) {
      // IDs and other short values: a loop beats the native copy's fixed cost
      for (let i = 0; i < n; i++) buf[pos++] = b[i] as number;
    } else {
      buf.set(b, pos);
      pos += n;
    }
    this.pos = pos;
  }

  /**
   * Appends bytes [start, end) of this writer's own output, e.g. a source message copied in first
   * (`raw`) so that every later copy from it is a native copyWithin, several times cheaper than a
   * copy between two buffers for the short ranges of a span.
   */
  copyOwn(start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    this.buf.copyWithin(this.pos, start, end);
    this.pos += n;
  }

  /** `bytes` (or a UTF-8 `string`) given as a range of this writer's own output (see copyOwn). */
  bytesOwn(start: number, end: number): void {
    const n = end - start;
    this.int(n);
    if (n <= 16) {
      this.ensure(n);
      const buf = this.buf;
      let pos = this.pos;
      for (let i = start; i < end; i++) buf[pos++] = buf[i] as number;
      this.pos = pos;
    } else {
      this.copyOwn(start, end);
    }
  }

  /** Makes room for `n` more bytes now, so that no write grows the buffer until they are used. */
  reserve(n: number): void {
    this.ensure(n);
  }

  /** A copy of what was written since `start`, in a buffer of its own size; then rewinds to `start`. */
  takeFrom(start: number): Buffer {
    const out = Buffer.allocUnsafe(this.pos - start);
    this.buf.copy(out, 0, start, this.pos);
    this.pos = start;
    return out;
  }

  /** Copies a range of another buffer as is (already Avro-encoded content). */
  raw(src: Buffer, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    if (n <= RAW_LOOP_BYTES) {
      // short ranges (a lazy span's fields before its indexes): a loop, where Buffer#copy would
      // allocate a view of the range first
      const buf = this.buf;
      let pos = this.pos;
      for (let i = start; i < end; i++) buf[pos++] = src[i] as number;
      this.pos = pos;
      return;
    }
    src.copy(this.buf, this.pos, start, end);
    this.pos += n;
  }

  /** Avro `boolean`: one byte. */
  boolean(b: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = b ? 1 : 0;
  }

  /** Avro `double`: 8 bytes, little-endian. */
  double(x: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(x, this.pos);
    this.pos += 8;
  }

  string(s: string): void {
    if (s.length === 0) {
      this.int(0);
      return;
    }
    // up to 21 UTF-16 units need at most 63 UTF-8 bytes: a one-byte length, written after the text
    if (s.length <= 21) {
      this.ensure(64);
      const buf = this.buf;
      const at = this.pos;
      const len = s.length;
      let i = 0;
      // ASCII (names, keys, versions in practice) byte by byte; anything else through the encoder
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + 1 + i] = c;
      }
      const n = i === len ? len : buf.write(s, at + 1, 'utf8');
      buf[at] = n << 1;
      this.pos = at + 1 + n;
      return;
    }
    const n = Buffer.byteLength(s, 'utf8');
    this.int(n);
    this.ensure(n);
    this.buf.write(s, this.pos, n, 'utf8');
    this.pos += n;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }
}

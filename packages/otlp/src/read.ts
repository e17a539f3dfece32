import { Reader } from './protobuf';
import { OtlpDecodeError } from './errors';

/**
 * Bounds-checked reading helpers over a protobufjs Reader. protobufjs checks reads against the end
 * of the whole buffer only; OTLP messages nest, so every read here is also checked against the end
 * of the enclosing message (`limit`), and a field that overruns it makes the body undecodable.
 */

/** Shared zero-length buffer for absent bytes fields and empty attribute lists (never mutate). */
export const EMPTY_BYTES: Buffer = Buffer.alloc(0);

/** A protobufjs reader over a Node Buffer (its `buf` is the same Buffer). */
export function createReader(buf: Buffer): Reader {
  return Reader.create(buf);
}

/** Views any byte array as a Buffer without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function overrun(r: Reader, what: string): OtlpDecodeError {
  return new OtlpDecodeError('invalid_protobuf', `${what} overruns its enclosing message at offset ${r.pos}`);
}

/** Reads a length prefix; returns the end offset of the payload (reader left at its start). */
export function readLenEnd(r: Reader, limit: number): number {
  const len = r.uint32();
  const end = r.pos + len;
  if (end > limit) throw overrun(r, `length-delimited field of ${len} bytes`);
  return end;
}

/** Node's Buffer decoders (public on Buffer.prototype since Node 0.x, untyped; protobufjs uses them too). */
interface BufferSlicing {
  utf8Slice(start: number, end: number): string;
}

/** Decodes buf[start, end) as UTF-8 (invalid sequences become U+FFFD). */
export function utf8At(buf: Buffer, start: number, end: number): string {
  return start === end ? '' : (buf as unknown as BufferSlicing).utf8Slice(start, end);
}

/** Reads a length-delimited UTF-8 string. */
export function readString(buf: Buffer, r: Reader, limit: number): string {
  const end = readLenEnd(r, limit);
  const start = r.pos;
  r.pos = end;
  return utf8At(buf, start, end);
}

/** Creates a Buffer view of buf[start, end) (no copy). */
export function viewOf(buf: Buffer, start: number, end: number): Buffer {
  return start === end ? EMPTY_BYTES : buf.subarray(start, end);
}

/** Reads a length-delimited bytes field as a view into `buf` (no copy). */
export function readBytesView(buf: Buffer, r: Reader, limit: number): Buffer {
  const end = readLenEnd(r, limit);
  const start = r.pos;
  r.pos = end;
  return start === end ? EMPTY_BYTES : buf.subarray(start, end);
}

/** Reads a fixed64 as an unsigned bigint (timestamps in ns). */
export function readFixed64(buf: Buffer, r: Reader, limit: number): bigint {
  expectRoom(r, 8, limit, 'fixed64');
  const v = buf.readBigUInt64LE(r.pos);
  r.pos += 8;
  return v;
}

/** Throws unless a fixed-size field of `n` bytes at r.pos ends inside the enclosing message. */
export function expectRoom(r: Reader, n: number, limit: number, what: string): void {
  if (r.pos + n > limit) throw overrun(r, what);
}

/** Reads a fixed32 as an unsigned number. */
export function readFixed32(r: Reader, limit: number): number {
  expectRoom(r, 4, limit, 'fixed32');
  return r.fixed32();
}

/**
 * Reads a varint as uint32 (counts, enums, bools) checking it ends inside the enclosing message.
 * A negative enum (10-byte varint) reads as a large number, which callers treat as unknown.
 */
export function readUint32(r: Reader, limit: number): number {
  const v = r.uint32();
  if (r.pos > limit) throw overrun(r, 'varint');
  return v;
}

/** Skips a field this reader does not need. Field number 0 and invalid wire types are errors. */
export function skipField(r: Reader, tag: number, limit: number): void {
  if (tag >>> 3 === 0) throw new OtlpDecodeError('invalid_protobuf', `invalid field number 0 at offset ${r.pos}`);
  r.skipType(tag & 7);
  if (r.pos > limit) throw overrun(r, `field ${tag >>> 3}`);
}

/** Checks that a sub-message was consumed exactly. */
export function expectEnd(r: Reader, end: number): void {
  if (r.pos !== end) throw overrun(r, 'last field');
}

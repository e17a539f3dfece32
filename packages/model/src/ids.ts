/** Trace and span IDs travel as raw bytes (16 and 8) and are shown as lower-case hex. */

export const TRACE_ID_BYTES = 16;
export const SPAN_ID_BYTES = 8;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of a byte buffer (fast path for IDs). */
export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] as number];
  return out;
}

/** Parses lower- or upper-case hex into bytes; returns undefined for odd length or non-hex characters. */
export function fromHex(hex: string): Buffer | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  return Buffer.from(hex, 'hex');
}

export function isAllZero(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}

export function isValidTraceId(bytes: Uint8Array): boolean {
  return bytes.length === TRACE_ID_BYTES && !isAllZero(bytes);
}

export function isValidSpanId(bytes: Uint8Array): boolean {
  return bytes.length === SPAN_ID_BYTES && !isAllZero(bytes);
}

/**
 * A non-negative integer below 2^30 mixed from all bytes of a span ID stored at `bytes[offset,
 * offset + length)` (missing bytes count as zero; bytes past the eighth are ignored). Below 2^30
 * it is a V8 small integer: keys live unboxed in arrays and Sets, with no number object per span.
 * Equal IDs give equal keys; different IDs rarely collide, so a key match must be confirmed by
 * comparing the IDs.
 */
export function spanIdKeyAt(bytes: Uint8Array, offset: number, length: number): number {
  const at = (i: number): number => (i < length ? (bytes[offset + i] as number) : 0);
  const low = at(0) | (at(1) << 8) | (at(2) << 16) | (at(3) << 24);
  const high = at(4) | (at(5) << 8) | (at(6) << 16) | (at(7) << 24);
  let x = low ^ Math.imul(high, 0x9e3779b1) ^ (high >>> 15);
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  return (x ^ (x >>> 13)) & 0x3fffffff;
}

/**
 * A fixed list of attribute keys compiled for matching keys where they lie in a buffer: each key
 * is known by its ordinal (its index in the list), and a key on the wire is matched by its byte
 * length first, then by its bytes, without decoding it to a string.
 */
export class KeyOrdinals {
  /** The keys, ordinal = index. */
  readonly keys: readonly string[];
  private readonly keyBytes: Buffer[];
  /** ordinalsByLength[n]: ordinals of the keys of n UTF-8 bytes, in list order. */
  private readonly ordinalsByLength: number[][];

  constructor(keys: readonly string[]) {
    if (new Set(keys).size !== keys.length) throw new RangeError('attribute keys must be distinct');
    this.keys = [...keys];
    this.keyBytes = keys.map((key) => Buffer.from(key, 'utf8'));
    const longest = this.keyBytes.reduce((max, b) => Math.max(max, b.length), -1);
    this.ordinalsByLength = Array.from({ length: longest + 1 }, () => []);
    this.keyBytes.forEach((bytes, ordinal) => this.ordinalsByLength[bytes.length]!.push(ordinal));
  }

  get size(): number {
    return this.keys.length;
  }

  /**
   * The ordinal of the key whose UTF-8 bytes are buf[start, end), or -1 when it is not in the
   * list. Two keys with the same bytes (strings with lone surrogates) match the first of them.
   */
  ordinalAt(buf: Uint8Array, start: number, end: number): number {
    const length = end - start;
    if (length >= this.ordinalsByLength.length) return -1;
    const candidates = this.ordinalsByLength[length]!;
    for (let c = 0; c < candidates.length; c++) {
      const ordinal = candidates[c]!;
      if (length === 0 || sameBytes(this.keyBytes[ordinal]!, buf, start, length)) return ordinal;
    }
    return -1;
  }
}

/** True when buf[start, start + length) equals `key` (of that length). Checks the last byte first: keys often share prefixes. */
function sameBytes(key: Buffer, buf: Uint8Array, start: number, length: number): boolean {
  const last = length - 1;
  if (key[last] !== buf[start + last]) return false;
  for (let i = 0; i < last; i++) if (key[i] !== buf[start + i]) return false;
  return true;
}

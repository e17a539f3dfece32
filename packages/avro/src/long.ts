import { types } from 'avsc';

/**
 * Avro `long` as JS `bigint`. Nanosecond timestamps exceed Number.MAX_SAFE_INTEGER, so the default
 * avsc long (a JS number) would lose precision. On the wire this is a plain Avro long, so readers in
 * other languages see ordinary longs.
 */
export const bigintLongType = types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.allocUnsafe(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (v: unknown) => BigInt(v as string | number),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

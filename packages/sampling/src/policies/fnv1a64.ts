/**
 * 64-bit FNV-1a over bytes, computed in four 16-bit limbs (no BigInt on the hot path).
 * Offset basis 0xcbf29ce484222325, prime 0x100000001b3 = 2^40 + 0x1b3.
 */
export class Fnv1a64 {
  private h0 = 0x2325;
  private h1 = 0x8422;
  private h2 = 0x9ce4;
  private h3 = 0xcbf2;

  /** A hasher continuing from this one's state. */
  clone(): Fnv1a64 {
    const copy = new Fnv1a64();
    copy.h0 = this.h0;
    copy.h1 = this.h1;
    copy.h2 = this.h2;
    copy.h3 = this.h3;
    return copy;
  }

  update(bytes: Uint8Array): this {
    let { h0, h1, h2, h3 } = this;
    for (let i = 0; i < bytes.length; i++) {
      h0 ^= bytes[i] as number;
      // h * (2^40 + 0x1b3) mod 2^64: the 0x1b3 product limb by limb, plus h shifted left by 40 bits
      const t0 = h0 * 0x1b3;
      const t1 = h1 * 0x1b3 + (t0 >>> 16);
      const t2 = h2 * 0x1b3 + (t1 >>> 16) + ((h0 & 0xff) << 8);
      const t3 = h3 * 0x1b3 + (t2 >>> 16) + ((h0 >>> 8) | ((h1 & 0xff) << 8));
      h0 = t0 & 0xffff;
      h1 = t1 & 0xffff;
      h2 = t2 & 0xffff;
      h3 = t3 & 0xffff;
    }
    this.h0 = h0;
    this.h1 = h1;
    this.h2 = h2;
    this.h3 = h3;
    return this;
  }

  /** High 32 bits of the hash. */
  high(): number {
    return this.h3 * 0x10000 + this.h2;
  }

  /** Low 32 bits of the hash. */
  low(): number {
    return this.h1 * 0x10000 + this.h0;
  }

  digest(): bigint {
    return (BigInt(this.high()) << 32n) | BigInt(this.low());
  }
}

import { readFileSync } from 'node:fs';
import { mulberry32 } from '@tailstream/test-harness/random';
import { compressSync, uncompressSync } from 'snappy';
import { decodeSnappyBlock, MAX_WASM_OUTPUT_BYTES, SnappyFormatError, snappyPreamble } from './snappy-decoder';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const build = require('../scripts/build-snappy-wasm.js') as {
  compileSnappyDecoder(): Promise<Buffer>;
  generatedSource(bytes: Buffer): string;
  OUT: string;
};

/** Inputs of the shapes that exercise each path of the decoder. */
function shapes(seed: number, length: number): Buffer[] {
  const rand = mulberry32(seed);
  const random = Buffer.alloc(length);
  const fewSymbols = Buffer.alloc(length);
  const shortPeriod = Buffer.alloc(length); // copies with offsets below 8: the byte-by-byte path
  const spanLike = Buffer.alloc(length); // repeats at varied distances, runs of literals
  for (let i = 0; i < length; i++) {
    random[i] = Math.floor(rand() * 256);
    fewSymbols[i] = Math.floor(rand() * 3);
    shortPeriod[i] = i % (1 + (seed % 7));
    spanLike[i] = i > 80 && rand() < 0.9 ? (spanLike[i - 1 - Math.floor(rand() * 80)] as number) : Math.floor(rand() * 256);
  }
  return [random, fewSymbols, shortPeriod, spanLike];
}

/** decodeSnappyBlock into a window of a larger buffer whose bytes around the window must stay as they were. */
function decodeGuarded(input: Buffer): { out: Buffer | undefined; guardsIntact: boolean } {
  let arena: Buffer | undefined;
  let window: Buffer | undefined;
  const out = decodeSnappyBlock(input, (length) => {
    arena = Buffer.alloc(length + 64, 0xa5);
    window = arena.subarray(32, 32 + length);
    return window;
  });
  if (arena === undefined || window === undefined) return { out, guardsIntact: true };
  const guardsIntact = arena.subarray(0, 32).every((b) => b === 0xa5) && arena.subarray(32 + window.length).every((b) => b === 0xa5);
  return { out, guardsIntact };
}

describe('decodeSnappyBlock (WebAssembly)', () => {
  it('is built from snappy-decoder.wat as it is now', async () => {
    const bytes = await build.compileSnappyDecoder();
    expect(readFileSync(build.OUT, 'utf8')).toBe(build.generatedSource(bytes));
  });

  it('decodes what the snappy addon compresses, every shape and size, into exactly the Buffer allocated', () => {
    const sizes = [0, 1, 7, 8, 15, 16, 17, 60, 61, 63, 64, 65, 255, 256, 257, 4095, 4097, 65_535, 65_536, 65_537, 300_000];
    for (const [i, size] of sizes.entries()) {
      for (const plain of shapes(i + 1, size)) {
        const { out, guardsIntact } = decodeGuarded(compressSync(plain));
        expect(out?.equals(plain)).toBe(true);
        expect(guardsIntact).toBe(true);
      }
    }
  });

  it('reads a literal of any length encoding (1 to 3 extra length bytes)', () => {
    const rand = mulberry32(99);
    for (const size of [61, 300, 70_000]) {
      const plain = Buffer.from(Array.from({ length: size }, () => Math.floor(rand() * 256)));
      const extra = size - 1 < 256 ? 1 : size - 1 < 65_536 ? 2 : 3;
      const block = Buffer.concat([varint(size), Buffer.from([(59 + extra) << 2]), le(size - 1, extra), plain]);
      expect(decodeSnappyBlock(block, (n) => Buffer.alloc(n))?.equals(plain)).toBe(true);
    }
  });

  it('rejects corrupt blocks with SnappyFormatError and never writes outside the Buffer allocated', () => {
    const rand = mulberry32(7);
    let rejected = 0;
    const plains = Array.from({ length: 40 }, (_, i) => shapes(i, 50 + Math.floor(rand() * 3000))[i % 4]!);
    for (let t = 0; t < 2000; t++) {
      const plain = plains[t % plains.length]!;
      const block = Buffer.from(compressSync(plain));
      if (t % 2 === 0) {
        const at = Math.floor(rand() * block.length);
        block[at] = (block[at] as number) ^ (1 + Math.floor(rand() * 255));
      }
      const input = t % 2 === 0 ? block : block.subarray(0, Math.floor(rand() * block.length));
      try {
        const { out, guardsIntact } = decodeGuarded(input);
        expect(guardsIntact).toBe(true);
        // snappy has no checksum: a changed literal byte still decodes, to the announced length
        expect(out?.length).toBe(snappyPreamble(input).length);
      } catch (error) {
        expect(error).toBeInstanceOf(SnappyFormatError);
        rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(1000);
    expect(() => decodeSnappyBlock(Buffer.alloc(0), Buffer.alloc)).toThrow('no valid length preamble');
    expect(() => decodeSnappyBlock(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), Buffer.alloc)).toThrow('no valid length preamble');
  });

  it('allocates nothing for an announced length that the block cannot hold, or that is over its limit', () => {
    const allocate = jest.fn((n: number) => Buffer.alloc(n));
    expect(() => decodeSnappyBlock(Buffer.concat([varint(100_000), Buffer.from([0x00, 0x41])]), allocate)).toThrow('100000 bytes announced for 2 bytes of tags');
    expect(decodeSnappyBlock(varint(MAX_WASM_OUTPUT_BYTES + 1), allocate)).toBeUndefined();
    expect(allocate).not.toHaveBeenCalled();
    // the addon, which the codec falls back to for such blocks, reads the same format
    const plain = Buffer.from('fallback '.repeat(100));
    expect((uncompressSync(compressSync(plain), { asBuffer: true }) as Buffer).equals(plain)).toBe(true);
  });
});

function varint(value: number): Buffer {
  const out: number[] = [];
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return Buffer.from(out);
}

function le(value: number, bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  out.writeUIntLE(value, 0, bytes);
  return out;
}

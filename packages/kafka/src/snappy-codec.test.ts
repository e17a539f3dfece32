import { mulberry32 } from '@tailstream/test-harness/random';
import { compressSync } from 'snappy';
import { SnappyDecodeError } from './errors';
import { BatchMemoryPool } from './batch-memory-pool';
import { isXerialFramed, snappyCodec, useSnappyOutputPool, XERIAL_HEADER_BYTES, XERIAL_MAGIC } from './snappy-codec';

function randomBytes(seed: number, length: number): Buffer {
  const rand = mulberry32(seed);
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** Span-batch-like bytes: a few field values repeated with small random variations. */
function repetitiveBytes(seed: number, length: number): Buffer {
  const rand = mulberry32(seed);
  const words = ['service.name', 'checkout', 'http.route', '/api/v1/orders/{id}', 'GET', 'db.system', 'postgresql'];
  const parts: Buffer[] = [];
  let size = 0;
  while (size < length) {
    const part = Buffer.from(`${words[Math.floor(rand() * words.length)]}=${Math.floor(rand() * 100)};`);
    parts.push(part);
    size += part.length;
  }
  return Buffer.concat(parts).subarray(0, length);
}

/** What snappy-java's SnappyOutputStream writes: header, then [int32 BE length][raw block] per chunk. */
function xerialFrame(blocks: Buffer[], version = 1, compatible = 1): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER_BYTES);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(version, 8);
  header.writeInt32BE(compatible, 12);
  const parts: Buffer[] = [header];
  for (const block of blocks) {
    const compressed = compressSync(block);
    const length = Buffer.alloc(4);
    length.writeInt32BE(compressed.length, 0);
    parts.push(length, compressed);
  }
  return Buffer.concat(parts);
}

/** 'same' or where two buffers differ (jest's toEqual on large buffers is slow and its diff unreadable). */
function diff(actual: Buffer, expected: Buffer): string {
  if (actual.equals(expected)) return 'same';
  let i = 0;
  while (i < actual.length && i < expected.length && actual[i] === expected[i]) i++;
  return `lengths ${actual.length} vs ${expected.length}, first difference at byte ${i}`;
}

const compress = (data: Buffer): Promise<Buffer> => snappyCodec.compress({ buffer: data });

async function rejection(promise: Promise<unknown>): Promise<SnappyDecodeError> {
  try {
    await promise;
  } catch (error) {
    return error as SnappyDecodeError;
  }
  throw new Error('expected a rejection');
}

describe('snappyCodec', () => {
  it.each([
    ['random', randomBytes(1, 100_000)],
    ['repetitive', repetitiveBytes(2, 100_000)],
    ['empty', Buffer.alloc(0)],
    ['one byte', Buffer.from([7])],
  ])('round-trips %s data through raw snappy', async (_name, data) => {
    const compressed = await compress(data);
    expect(isXerialFramed(compressed)).toBe(false);
    expect(diff(await snappyCodec.decompress(compressed), data)).toBe('same');
  });

  it('compresses repetitive data and reads only the bytes the encoder wrote', async () => {
    const data = repetitiveBytes(3, 64 * 1024);
    // kafkajs's Encoder.buffer is a view of the written part of a larger buffer
    const backing = Buffer.concat([data, randomBytes(4, 4096)]);
    const compressed = await compress(backing.subarray(0, data.length));
    expect(compressed.length).toBeLessThan(data.length / 2);
    expect(diff(await snappyCodec.decompress(compressed), data)).toBe('same');
  });

  it('decodes a raw block written by snappy itself (what librdkafka and kafkajs-snappy send)', async () => {
    const data = repetitiveBytes(5, 10_000);
    expect(diff(await snappyCodec.decompress(compressSync(data)), data)).toBe('same');
  });

  it('decodes xerial framing (Java client, broker recompression) with one block', async () => {
    const data = repetitiveBytes(6, 20_000);
    const framed = xerialFrame([data]);
    expect(isXerialFramed(framed)).toBe(true);
    expect(diff(await snappyCodec.decompress(framed), data)).toBe('same');
  });

  it('decodes xerial framing with many blocks into their concatenation', async () => {
    // snappy-java cuts its input into 32 KiB blocks; sizes here vary and include a tiny last block
    const blocks = [repetitiveBytes(7, 32 * 1024), randomBytes(8, 32 * 1024), repetitiveBytes(9, 5000), Buffer.from([1])];
    expect(diff(await snappyCodec.decompress(xerialFrame(blocks)), Buffer.concat(blocks))).toBe('same');
  });

  it('decodes a xerial header without blocks as empty', async () => {
    expect(diff(await snappyCodec.decompress(xerialFrame([])), Buffer.alloc(0))).toBe('same');
  });

  it('decodes round-trip on many random sizes, raw and framed', async () => {
    const rand = mulberry32(10);
    for (let i = 0; i < 50; i++) {
      const data = i % 2 === 0 ? randomBytes(100 + i, Math.floor(rand() * 5000)) : repetitiveBytes(100 + i, Math.floor(rand() * 5000) + 1);
      expect(diff(await snappyCodec.decompress(await compress(data)), data)).toBe('same');
      const cut = Math.floor(rand() * data.length);
      const blocks = [data.subarray(0, cut), data.subarray(cut)].filter((b) => b.length > 0);
      expect(diff(await snappyCodec.decompress(xerialFrame(blocks)), data)).toBe('same');
    }
  });

  describe('corrupt input rejects with a SnappyDecodeError naming what was wrong', () => {
    const data = repetitiveBytes(11, 20_000);
    const framed = xerialFrame([data.subarray(0, 12_000), data.subarray(12_000)]);
    const firstLength = framed.readInt32BE(XERIAL_HEADER_BYTES);

    it.each<[string, Buffer, RegExp]>([
      ['truncated header', framed.subarray(0, 12), /^snappy: xerial header truncated: 12 of 16 bytes$/],
      [
        'truncated block length',
        Buffer.concat([xerialFrame([data]), Buffer.from([0, 0])]),
        /^snappy: xerial block length truncated at offset \d+: 2 of 4 bytes$/,
      ],
      [
        'truncated block',
        framed.subarray(0, framed.length - 10),
        /^snappy: bad xerial block length \d+ at offset \d+ \(\d+ bytes follow\)$/,
      ],
      [
        'block length beyond the input',
        (() => {
          const b = Buffer.from(framed);
          b.writeInt32BE(firstLength + 1_000_000, XERIAL_HEADER_BYTES);
          return b;
        })(),
        /^snappy: bad xerial block length \d+ at offset 16 /,
      ],
      [
        'negative block length',
        (() => {
          const b = Buffer.from(framed);
          b.writeInt32BE(-5, XERIAL_HEADER_BYTES);
          return b;
        })(),
        /^snappy: bad xerial block length -5 at offset 16 /,
      ],
      ['zero block length', Buffer.concat([xerialFrame([]), Buffer.alloc(4)]), /^snappy: bad xerial block length 0 at offset 16 /],
      [
        'garbage inside a block',
        (() => {
          const b = Buffer.from(framed);
          b.fill(0xff, XERIAL_HEADER_BYTES + 4, XERIAL_HEADER_BYTES + 40);
          return b;
        })(),
        /^snappy: xerial block 0 \(\d+ bytes at offset 20\) does not decode \(corrupt input/,
      ],
      ['newer xerial format', xerialFrame([data], 2, 2), /^snappy: xerial stream needs a reader of version 2/],
      ['garbage', Buffer.from('this is not snappy at all, just text'), /^snappy: raw block of 36 bytes does not decode \(corrupt input/],
      ['truncated raw block', compressSync(data).subarray(0, 100), /^snappy: raw block of 100 bytes does not decode \(corrupt input/],
      ['empty', Buffer.alloc(0), /^snappy: raw block of 0 bytes does not decode/],
    ])('%s', async (_name, input, message) => {
      const error = await rejection(snappyCodec.decompress(input));
      expect(error).toBeInstanceOf(SnappyDecodeError);
      expect(error.message).toMatch(message);
      expect(error.code).toBe('SNAPPY_CORRUPT');
      expect(error.retryable).toBe(false);
    });

    it('survives random garbage and random truncations without throwing anything but SnappyDecodeError', async () => {
      const rand = mulberry32(12);
      for (let i = 0; i < 300; i++) {
        const base = i % 2 === 0 ? framed : compressSync(data);
        const input = Buffer.from(base.subarray(0, Math.floor(rand() * base.length)));
        // flip a few bytes past the magic (in the header, lengths and blocks)
        for (let k = 0; k < 3 && input.length > 8; k++) input[8 + Math.floor(rand() * (input.length - 8))] = Math.floor(rand() * 256);
        try {
          await snappyCodec.decompress(input);
        } catch (error) {
          expect(error).toBeInstanceOf(SnappyDecodeError);
        }
      }
    });
  });
});

// Last in this file: the output pool is process-wide once set.
describe('snappyCodec with an output pool', () => {
  it('puts each decompressed batch into a block of the pool, and the first pool given stays', async () => {
    const pool = new BatchMemoryPool();
    expect(useSnappyOutputPool(pool)).toBe(pool);
    expect(useSnappyOutputPool(new BatchMemoryPool())).toBe(pool);
    const plain = Buffer.from('span batch '.repeat(3000));
    const first = await snappyCodec.decompress(compressSync(plain));
    expect(first.equals(plain)).toBe(true);
    expect(pool.owns(first.buffer)).toBe(true);
    pool.retain(first.buffer);
    pool.release(first.buffer);
    const second = await snappyCodec.decompress(compressSync(Buffer.from('x'.repeat(plain.length))));
    expect(second.buffer).toBe(first.buffer);
    expect(second.toString()).toBe('x'.repeat(plain.length));
    expect(pool.reused).toBe(1);
  });
});

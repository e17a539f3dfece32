import { compressSync, uncompressSync } from 'snappy';
import type { BatchMemoryPool } from './batch-memory-pool';
import { SnappyDecodeError } from './errors';
import { decodeSnappyBlock } from './snappy-decoder';

/**
 * Kafka's snappy codec for kafkajs (same interface as kafkajs's `compression/gzip.js`).
 *
 * compress writes raw snappy, as librdkafka and kafkajs-snappy do; the Java client reads it too.
 * decompress reads raw snappy and the xerial framing that the Java client and the broker write
 * (snappy-java's SnappyOutputStream): an 8-byte magic, int32 BE version, int32 BE compatible
 * version, then [int32 BE length][raw snappy block] repeated; the blocks' outputs concatenated.
 *
 * Decompression runs in a small WebAssembly module (snappy-decoder.ts) that writes where the caller
 * asks, e.g. into reused memory (useSnappyOutputPool); the `snappy` addon compresses, and decodes
 * blocks larger than the module takes. The calls are synchronous: a record batch (up to ~1 MB)
 * takes well under a millisecond, less than a round trip to libuv's thread pool would cost. The
 * addon's outputs are copied into a Node Buffer (`copyOutputData`): with its default external
 * buffers, whose native memory is freed only when V8 collects them, some processes spent 200-300 µs
 * of system time per 64 KiB call (in about a third of the runs measured here; ~40 µs otherwise).
 */

/** `0x82 'SNAPPY' 0x00`: the start of snappy-java's stream header. */
export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** Magic, version, compatible version. */
export const XERIAL_HEADER_BYTES = XERIAL_MAGIC.length + 8;
/** The newest xerial stream format this reader knows (snappy-java writes version 1, compatible 1). */
const XERIAL_READABLE_VERSION = 1;

/** The part of kafkajs's Encoder that codecs read: the bytes written so far. */
export interface EncoderLike {
  readonly buffer: Buffer;
}

export interface KafkajsCodec {
  compress(encoder: EncoderLike): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
  /**
   * Compresses within the call into a buffer of its own (not a view of `input`): our produce
   * encoder (kafkajs-produce-encoder.ts) then reuses one input buffer for every batch.
   */
  compressSync?(input: Buffer): Buffer;
}

const COMPRESS_OPTIONS = { copyOutputData: true };
const UNCOMPRESS_OPTIONS = { asBuffer: true, copyOutputData: true };

/** Where decompressed bytes go by default: a new Buffer. */
const newBuffer = (length: number): Buffer => Buffer.allocUnsafe(length);

function uncompressBlock(block: Buffer, what: string, allocate: (length: number) => Buffer): Buffer {
  try {
    return decodeSnappyBlock(block, allocate) ?? (uncompressSync(block, UNCOMPRESS_OPTIONS) as Buffer);
  } catch (cause) {
    // not `instanceof Error`: the addon's errors may come from another realm (jest's sandbox)
    const message = (cause as { message?: unknown } | null)?.message;
    const reason = (typeof message === 'string' ? message : String(cause)).replace(/^snappy:\s*/, '');
    throw new SnappyDecodeError(`${what} does not decode (${reason})`, { cause });
  }
}

export function isXerialFramed(input: Buffer): boolean {
  return input.length >= XERIAL_MAGIC.length && XERIAL_MAGIC.equals(input.subarray(0, XERIAL_MAGIC.length));
}

/**
 * Raw snappy or xerial-framed snappy → the uncompressed bytes, in `allocate(length)` (a new Buffer by
 * default; blocks too large for the WebAssembly decoder come back in a new Buffer anyway); throws
 * SnappyDecodeError if corrupt.
 */
export function snappyDecompressSync(input: Buffer, allocate: (length: number) => Buffer = newBuffer): Buffer {
  if (!isXerialFramed(input)) return uncompressBlock(input, `raw block of ${input.length} bytes`, allocate);
  if (input.length < XERIAL_HEADER_BYTES) {
    throw new SnappyDecodeError(`xerial header truncated: ${input.length} of ${XERIAL_HEADER_BYTES} bytes`);
  }
  const compatible = input.readInt32BE(XERIAL_MAGIC.length + 4);
  if (compatible > XERIAL_READABLE_VERSION) {
    throw new SnappyDecodeError(`xerial stream needs a reader of version ${compatible}; this one reads version ${XERIAL_READABLE_VERSION}`);
  }
  const blocks: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < input.length) {
    if (input.length - at < 4) {
      throw new SnappyDecodeError(`xerial block length truncated at offset ${at}: ${input.length - at} of 4 bytes`);
    }
    const length = input.readInt32BE(at);
    const room = input.length - at - 4;
    if (length <= 0 || length > room) {
      throw new SnappyDecodeError(`bad xerial block length ${length} at offset ${at} (${room} bytes follow)`);
    }
    at += 4;
    blocks.push(uncompressBlock(input.subarray(at, at + length), `xerial block ${blocks.length} (${length} bytes at offset ${at})`, newBuffer));
    at += length;
  }
  if (blocks.length === 1 && allocate === newBuffer) return blocks[0] as Buffer;
  const out = allocate(blocks.reduce((n, b) => n + b.length, 0));
  let written = 0;
  for (const block of blocks) {
    out.set(block, written);
    written += block.length;
  }
  return out;
}

/** Where decompress() puts its output (see useSnappyOutputPool); undefined: a new Buffer each time. */
let outputPool: BatchMemoryPool | undefined;

/**
 * From now on, the codec that kafkajs calls decompresses each batch into a block of `pool`
 * (process-wide: kafkajs's codecs are). Consumers that hold fetched bytes for long then
 * hand the blocks back (BatchMemoryPool.retain/release); other consumers' blocks are simply
 * not reused. Returns the pool in use (the first one given stays).
 */
export function useSnappyOutputPool(pool: BatchMemoryPool): BatchMemoryPool {
  outputPool ??= pool;
  return outputPool;
}

/** A block of the output pool, or a new Buffer when the output is larger than its blocks. */
const intoPool = (length: number): Buffer => outputPool?.take(length) ?? Buffer.allocUnsafe(length);

export const snappyCodec: KafkajsCodec = {
  async compress(encoder) {
    return compressSync(encoder.buffer, COMPRESS_OPTIONS);
  },
  compressSync(input) {
    return compressSync(input, COMPRESS_OPTIONS);
  },
  async decompress(buffer) {
    return snappyDecompressSync(buffer, outputPool === undefined ? newBuffer : intoPool);
  },
};

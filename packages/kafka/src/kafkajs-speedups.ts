/**
 * Produce-path (and one fetch-path) speedups for kafkajs 2.2.4, applied in place (no fork) when this module is loaded.
 * It must be loaded before anything requires kafkajs: `client.ts` and `producer.ts` import it first.
 *
 * Written against kafkajs 2.2.4 (its last release, pinned exactly in package.json). On any other
 * version nothing is touched and stock kafkajs runs. `TAILSTREAM_KAFKAJS_SPEEDUPS=off` turns it off
 * too (escape hatch). `kafkaCodecInfo()` says what is active.
 *
 * 1. CRC32C of record batches: kafkajs computes it in JavaScript (`recordBatch/crc32C`); this
 *    swaps in `crc32c` from `@node-rs/crc32` (napi-rs, SIMD/hardware CRC32C). `recordBatch/v0`
 *    binds `require('../crc32C')` once at ITS load time (with the first produce request, or when
 *    3. below loads it), so the module-cache entry of `crc32C/index.js` gets the native function as
 *    `exports` before that. Works with Node's `require.cache` and with jest's registry (both hand
 *    out the cached module object). If the native package does not load (unsupported platform) or
 *    disagrees with kafkajs on a check vector, kafkajs's own function stays: nothing is logged.
 *
 * 2. Encoder allocations (`protocol/encoder.js`): kafkajs zero-fills every buffer it allocates
 *    (`Buffer.alloc`: 512 B per `new Encoder()`, i.e. several per record, and on every doubling in
 *    `ensureAvailable`). Unzeroed memory (`Buffer.allocUnsafe`) is safe because bytes past
 *    `offset` are never read: checked in 2.2.4, every write in encoder.js is sequential at `offset`
 *    after `ensureAvailable` (no gaps, no back-patching), no code outside encoder.js touches
 *    `.buf` (except `writeEncoder`'s `Buffer.isBuffer(value.buf)` check), and all readers go
 *    through the `buffer` getter (`buf.slice(0, offset)`) or `size()` (= offset). Small buffers
 *    come from Node's shared pool instead of a fresh zeroed ArrayBuffer each.
 *    - `ensureAvailable`: same growth rule, `allocUnsafe` instead of `alloc`.
 *    - the constructor: a class's constructor cannot be patched, so while encoder.js is not yet
 *      loaded by anyone, its cache entry's `exports` becomes a plain constructor function sharing
 *      `Encoder.prototype` (statics inherited), allocating with `allocUnsafe`. If kafkajs was
 *      loaded first, this part is skipped (`encoderConstructor: false`): still correct, slower.
 *    - `writeUVarInt` (every varint: record length, offset delta, key/value lengths...): writes the
 *      bytes in place instead of building an array and a `Buffer.from` copy of it. Same bytes.
 *    - `writeEncoderArray` (records into a batch, partitions into a request): reserves the sum of
 *      the parts once instead of doubling (and copying everything written so far) many times.
 *
 * 3. Produce requests (`kafkajs-produce-encoder.ts`): the export of `requests/produce/v3/request.js`
 *    becomes a one-pass encoder. v4-v7 (v7 is what kafkajs negotiates with Kafka >= 2.1, 4.x too)
 *    wrap v3's export, bound when they load, lazily with the first produce request. It sizes every
 *    record, allocates the request once (unzeroed: every byte is written, and the written length
 *    is checked against the computed one) and copies each value into it once (kafkajs: about 8
 *    copies), CRC32C over the written batch; with compression, kafkajs's own codec gets the records
 *    section. Odd inputs (non-Buffer bytes, timestamp deltas beyond int32) go through kafkajs's own
 *    Record. Skipped (`produceEncoder: 'stock'`) if a v4-v7 request module was loaded first.
 *
 * 4. Request framing (`kafkajs-request-framing.ts`): the export of `protocol/request.js` (size
 *    prefix and header, bound by `network/connection.js` when it loads) writes the frame into one
 *    buffer: for Produce, the encoder leaves room for the header in its own buffer (no copy at all);
 *    for other requests the body is copied once instead of twice. Skipped (`requestFraming:
 *    'stock'`) if connection.js was loaded first. Each replaced export keeps the one it replaced
 *    under `STOCK_EXPORT` (for tests and the benchmark).
 *
 * 5. Grouping (`kafkajs-grouping.ts`): the export of `producer/groupMessagesPerPartition.js` (bound
 *    by `producer/sendMessages.js` when it loads) appends each message to its partition's list;
 *    kafkajs copies the whole list for every message. Same result. Skipped (`grouping: 'stock'`)
 *    if sendMessages.js was loaded first.
 *
 * 6. Fetched records (`kafkajs-record-decoder.ts`): the export of `recordBatch/record/v0/decoder.js`
 *    (bound by `recordBatch/v0/decoder.js` when it loads) adds each record's offset and timestamp
 *    delta to the batch's base values as numbers (kafkajs: Long objects parsed from and printed to
 *    decimal strings for every record) and folds headers without a copy per header. Same record
 *    objects. Skipped (`recordDecoder: 'stock'`) if the batch decoder was loaded first.
 *
 * All of it produces byte-identical requests (kafkajs-speedups.test.ts encodes fixed and randomized
 * produce requests and other requests with stock and patched modules and compares, bytes or errors;
 * the integration tests produce to a real broker, which checks the batch CRCs). Idempotent: loading
 * it twice (or two copies of it) patches once.
 */

import { createProduceRequestV3, type ProduceEncoderDeps } from './kafkajs-produce-encoder';
import { groupMessagesPerPartition } from './kafkajs-grouping';
import { createRequestFraming } from './kafkajs-request-framing';
import { createRecordDecoder, type RecordDecoderDeps } from './kafkajs-record-decoder';

/** The kafkajs version whose internals this module was written against. */
export const KAFKAJS_SPEEDUPS_VERSION = '2.2.4';

export interface KafkaCodecInfo {
  /** kafkajs version found (undefined if kafkajs could not be resolved). */
  kafkajsVersion: string | undefined;
  /** Record-batch CRC32C: `native` = @node-rs/crc32, `js` = kafkajs's own. */
  crc32c: 'native' | 'js';
  /** `patched` = Encoder growth, varints and encoder arrays patched; `stock` = untouched. */
  encoder: 'patched' | 'stock';
  /** Whether `new Encoder()` allocates unzeroed (false if kafkajs was loaded before this module). */
  encoderConstructor: boolean;
  /** `one-pass` = Produce requests (v3-v7) sized and written in one buffer; `stock` = kafkajs's. */
  produceEncoder: 'one-pass' | 'stock';
  /** `one-buffer` = request header, size prefix and request written into one buffer; `stock` = kafkajs's. */
  requestFraming: 'one-buffer' | 'stock';
  /** `linear` = messages grouped per partition by appending (kafkajs re-copies the array per message); `stock` = kafkajs's. */
  grouping: 'linear' | 'stock';
  /** `numeric` = fetched records' offsets and timestamps added as numbers, headers folded once; `stock` = kafkajs's Long path. */
  recordDecoder: 'numeric' | 'stock';
  /** Why something is stock, when it is. */
  reason?: string;
}

// --- narrow views of the untyped kafkajs internals touched here -----------------------------------

interface EncoderInstance {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  ensureAvailable(length: number): void;
  writeUVarInt(value: number): EncoderInstance;
  writeEncoderArray(value: EncoderInstance[]): EncoderInstance;
}

interface EncoderClass {
  new (initialSize?: number): EncoderInstance;
  prototype: EncoderInstance;
  nextPowerOfTwo(value: number): number;
}

type Crc32c = (buffer: Buffer) => number;
type ProduceRequestV3 = ReturnType<typeof createProduceRequestV3>;

/** Marks what this module installed, on the kafkajs objects themselves (so copies of it agree). */
const PATCHED = Symbol.for('tailstream.kafkajs-speedups');
const NATIVE_CRC = Symbol.for('tailstream.kafkajs-speedups.crc32c');
/** On a replaced module export: the kafkajs export it replaced (for tests and benchmarks). */
export const STOCK_EXPORT = Symbol.for('tailstream.kafkajs-speedups.stock-export');

interface Marked {
  [PATCHED]?: KafkaCodecInfo;
  [NATIVE_CRC]?: true;
}

const KAFKAJS_SRC = 'kafkajs/src/protocol';
const MSB = 0x80;
const REST = 0x7f;
const UINT32_ABOVE_7_BITS = 0xffffff80;

const STOCK = {
  crc32c: 'js',
  encoder: 'stock',
  encoderConstructor: false,
  produceEncoder: 'stock',
  requestFraming: 'stock',
  grouping: 'stock',
  recordDecoder: 'stock',
} as const;

/** Set when nothing was patched (other kafkajs version, or turned off). */
let stockInfo: KafkaCodecInfo | undefined;
/** Why the CRC32C is kafkajs's own, when it is. */
let crc32cReason: string | undefined;

/** What is active: native or JS CRC32C, patched or stock Encoder, produce encoder, framing. */
export function kafkaCodecInfo(): KafkaCodecInfo {
  if (stockInfo) return { ...stockInfo };
  const info = (loadEncoder().prototype as Marked)[PATCHED];
  return info ? { ...info } : { kafkajsVersion: KAFKAJS_SPEEDUPS_VERSION, ...STOCK };
}

function loadEncoder(): EncoderClass {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(`${KAFKAJS_SRC}/encoder.js`) as EncoderClass;
}

function cacheEntry(request: string): NodeJS.Module | undefined {
  return require.cache[require.resolve(request)];
}

function install(): void {
  let version: string | undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    version = (require('kafkajs/package.json') as { version?: string }).version;
  } catch {
    version = undefined;
  }
  const stock = (reason: string): void => {
    stockInfo = { kafkajsVersion: version, ...STOCK, reason };
  };
  if (version !== KAFKAJS_SPEEDUPS_VERSION) return stock(`written against kafkajs ${KAFKAJS_SPEEDUPS_VERSION}, found ${version ?? 'none'}`);
  if (/^(0|off|false|no)$/i.test(process.env.TAILSTREAM_KAFKAJS_SPEEDUPS ?? '')) return stock('TAILSTREAM_KAFKAJS_SPEEDUPS=off');

  const encoderWasLoaded = cacheEntry(`${KAFKAJS_SRC}/encoder.js`) !== undefined;
  const Encoder = loadEncoder();
  const proto = Encoder.prototype as EncoderInstance & Marked;
  if (proto[PATCHED]) return; // already installed in this module registry

  const info: KafkaCodecInfo = { kafkajsVersion: version, ...STOCK, crc32c: installCrc32c(), encoder: 'patched' };
  patchEncoderPrototype(Encoder);
  if (!encoderWasLoaded) info.encoderConstructor = replaceEncoderConstructor(Encoder);
  // After the CRC32C and the constructor: these load kafkajs modules that bind both.
  const reasons = [info.crc32c === 'js' ? crc32cReason : undefined];
  reasons.push(installProduceEncoder(loadEncoder(), info));
  reasons.push(installRequestFraming(loadEncoder(), info));
  reasons.push(installGrouping(info));
  reasons.push(installRecordDecoder(info));
  const reason = reasons.filter(Boolean).join('; ');
  if (reason) info.reason = reason;
  proto[PATCHED] = info;
}

/**
 * Replaces the export of `produce/v3/request.js` with the one-pass encoder. v4-v7 bind v3's export
 * when they load (lazily, with the first produce request), so this must come before that.
 */
function installProduceEncoder(Encoder: { prototype: object }, info: KafkaCodecInfo): string | undefined {
  const dir = `${KAFKAJS_SRC}/requests/produce`;
  if ([4, 5, 6, 7].some((v) => cacheEntry(`${dir}/v${v}/request.js`) !== undefined)) {
    return 'kafkajs produce requests were loaded before the speedups';
  }
  /* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internals have no typings */
  const stockV3 = require(`${dir}/v3/request.js`) as unknown;
  const deps: ProduceEncoderDeps = {
    Encoder,
    Long: require('kafkajs/src/utils/long.js') as ProduceEncoderDeps['Long'],
    apiKey: (require(`${KAFKAJS_SRC}/requests/apiKeys.js`) as { Produce: number }).Produce,
    compression: require(`${KAFKAJS_SRC}/message/compression/index.js`) as ProduceEncoderDeps['compression'],
    crc32C: require(`${KAFKAJS_SRC}/recordBatch/crc32C/index.js`) as Crc32c,
    Record: require(`${KAFKAJS_SRC}/recordBatch/record/v0/index.js`) as ProduceEncoderDeps['Record'],
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const onePass = createProduceRequestV3(deps) as ProduceRequestV3 & { [STOCK_EXPORT]?: unknown };
  onePass[STOCK_EXPORT] = stockV3;
  cacheEntry(`${dir}/v3/request.js`)!.exports = onePass;
  info.produceEncoder = 'one-pass';
  return undefined;
}

/** Replaces the export of `protocol/request.js`, which `network/connection.js` binds when it loads. */
function installRequestFraming(Encoder: { prototype: object }, info: KafkaCodecInfo): string | undefined {
  if (cacheEntry('kafkajs/src/network/connection.js') !== undefined) return 'kafkajs connections were loaded before the speedups';
  const path = `${KAFKAJS_SRC}/request.js`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const stockFraming = require(path) as unknown;
  const framing = createRequestFraming(Encoder) as ReturnType<typeof createRequestFraming> & { [STOCK_EXPORT]?: unknown };
  framing[STOCK_EXPORT] = stockFraming;
  cacheEntry(path)!.exports = framing;
  info.requestFraming = 'one-buffer';
  return undefined;
}

/** Replaces the export of `producer/groupMessagesPerPartition.js`, which `producer/sendMessages.js` binds when it loads. */
function installGrouping(info: KafkaCodecInfo): string | undefined {
  if (cacheEntry('kafkajs/src/producer/sendMessages.js') !== undefined) return 'kafkajs producers were loaded before the speedups';
  const path = 'kafkajs/src/producer/groupMessagesPerPartition.js';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const stockGrouping = require(path) as unknown;
  const grouping = ((args: Parameters<typeof groupMessagesPerPartition>[0]) => groupMessagesPerPartition(args)) as typeof groupMessagesPerPartition & {
    [STOCK_EXPORT]?: unknown;
  };
  grouping[STOCK_EXPORT] = stockGrouping;
  cacheEntry(path)!.exports = grouping;
  info.grouping = 'linear';
  return undefined;
}

/** Replaces the export of `recordBatch/record/v0/decoder.js`, which `recordBatch/v0/decoder.js` binds when it loads. */
function installRecordDecoder(info: KafkaCodecInfo): string | undefined {
  if (cacheEntry(`${KAFKAJS_SRC}/recordBatch/v0/decoder.js`) !== undefined) return 'kafkajs record batch decoding was loaded before the speedups';
  const path = `${KAFKAJS_SRC}/recordBatch/record/v0/decoder.js`;
  /* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internals have no typings */
  const stockDecoder = require(path) as unknown;
  const decoder = createRecordDecoder({
    Long: require('kafkajs/src/utils/long.js') as RecordDecoderDeps['Long'],
    TimestampTypes: require(`${KAFKAJS_SRC}/timestampTypes.js`) as RecordDecoderDeps['TimestampTypes'],
  }) as ReturnType<typeof createRecordDecoder> & { [STOCK_EXPORT]?: unknown };
  /* eslint-enable @typescript-eslint/no-require-imports */
  decoder[STOCK_EXPORT] = stockDecoder;
  cacheEntry(path)!.exports = decoder;
  info.recordDecoder = 'numeric';
  return undefined;
}

function installCrc32c(): 'native' | 'js' {
  const indexPath = `${KAFKAJS_SRC}/recordBatch/crc32C/index.js`;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const current = require(indexPath) as Crc32c & Marked;
  if (current[NATIVE_CRC]) return 'native';
  if (cacheEntry(`${KAFKAJS_SRC}/recordBatch/v0/index.js`) !== undefined) {
    crc32cReason = 'kafkajs record batches were loaded before the speedups';
    return 'js';
  }
  let native: Crc32c;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    native = (require('@node-rs/crc32') as { crc32c: Crc32c }).crc32c;
    // Standard check value of CRC-32C, and agreement with kafkajs on a buffer of all byte values.
    const all = Buffer.from(Array.from({ length: 1031 }, (_, i) => (i * 7) & 0xff));
    if (native(Buffer.from('123456789')) !== 0xe3069283 || native(all) !== current(all)) throw new Error('check vector mismatch');
  } catch (error) {
    crc32cReason = `@node-rs/crc32 unavailable: ${(error as Error).message.split('\n')[0]}`;
    return 'js';
  }
  const crc32c: Crc32c & Marked = (buffer) => native(buffer);
  crc32c[NATIVE_CRC] = true;
  cacheEntry(indexPath)!.exports = crc32c;
  return 'native';
}

function patchEncoderPrototype(Encoder: EncoderClass): void {
  const proto = Encoder.prototype;

  proto.ensureAvailable = function ensureAvailable(this: EncoderInstance, length: number): void {
    if (this.offset + length > this.buf.length) {
      const newBuffer = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(this.offset + length));
      this.buf.copy(newBuffer, 0, 0, this.offset);
      this.buf = newBuffer;
    }
  };

  // Same bytes as kafkajs's loop (LEB128 of the value as uint32, at most 5 bytes), written in place.
  proto.writeUVarInt = function writeUVarInt(this: EncoderInstance, value: number): EncoderInstance {
    this.ensureAvailable(5);
    const buf = this.buf;
    let offset = this.offset;
    let rest = value;
    while ((rest & UINT32_ABOVE_7_BITS) !== 0) {
      buf[offset++] = (rest & REST) | MSB;
      rest >>>= 7;
    }
    buf[offset++] = rest & REST;
    this.offset = offset;
    return this;
  };

  // Same checks and bytes as kafkajs's; one reservation for all parts instead of repeated doubling.
  proto.writeEncoderArray = function writeEncoderArray(this: EncoderInstance, value: EncoderInstance[]): EncoderInstance {
    if (!Array.isArray(value) || value.some((v) => v == null || !Buffer.isBuffer(v.buf))) {
      throw new Error('all values should be an instance of Encoder[]');
    }
    const parts: Buffer[] = [];
    let total = 0;
    value.forEach((v) => {
      const part = v.buffer;
      parts.push(part);
      total += part.length;
    });
    this.ensureAvailable(total);
    for (const part of parts) {
      part.copy(this.buf, this.offset);
      this.offset += part.length;
    }
    return this;
  };
}

/**
 * Makes the encoder.js cache entry export a constructor that allocates unzeroed, sharing
 * `Encoder.prototype` (so `instanceof` and every method are the same) and inheriting the statics.
 * Only called while no other module holds the original class.
 */
function replaceEncoderConstructor(Encoder: EncoderClass): boolean {
  const entry = cacheEntry(`${KAFKAJS_SRC}/encoder.js`);
  if (!entry || entry.exports !== Encoder) return false;
  function TailstreamEncoder(this: EncoderInstance, initialSize = 511): void {
    this.buf = Buffer.allocUnsafe(Encoder.nextPowerOfTwo(initialSize));
    this.offset = 0;
  }
  TailstreamEncoder.prototype = Encoder.prototype;
  Object.setPrototypeOf(TailstreamEncoder, Encoder);
  entry.exports = TailstreamEncoder;
  return true;
}

install();

// First, as in client.ts: the speedups patch kafkajs's modules before anything loads them.
import { kafkaCodecInfo, KAFKAJS_SPEEDUPS_VERSION, STOCK_EXPORT } from './kafkajs-speedups';
import { crc32c as nativeCrc32c } from '@node-rs/crc32';
import { mulberry32 } from '@tailstream/test-harness/random';
import { snappyCodec } from './snappy-codec';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs internals have no typings */

type Crc = (buffer: Buffer) => number;
interface EncoderLike {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
  writeVarInt(value: number): EncoderLike;
  writeUVarInt(value: number): EncoderLike;
  writeEncoderArray(value: EncoderLike[]): EncoderLike;
  writeBytes(value: Buffer): EncoderLike;
}
type EncoderCtor = new (initialSize?: number) => EncoderLike;
interface ProduceMessage {
  key?: string | Buffer | null;
  value?: string | Buffer | null;
  headers?: Record<string, string | Buffer | (string | Buffer)[]>;
  timestamp?: string | number;
}
interface ProduceArgs {
  acks?: number;
  timeout?: number;
  compression?: number;
  topicData: unknown;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
}
interface KafkaRequest {
  apiKey: number;
  apiVersion: number;
  encode(): Promise<EncoderLike>;
}
type Frame = (args: { correlationId: number; clientId: string | null; request: KafkaRequest }) => Promise<EncoderLike>;
interface KafkajsInternals {
  crc32C: Crc;
  Encoder: EncoderCtor;
  Long: { fromInt(n: number): unknown; fromValue(v: unknown): unknown };
  /** `protocol/request.js`: frames a request as kafkajs sends it on the socket. */
  frame: Frame;
  /** `produce/vN/request.js` for N = 3..7. */
  produceRequest(version: number, args: ProduceArgs): KafkaRequest;
  fetchRequest(args: object): KafkaRequest;
  /** Bytes of a framed Produce request as kafkajs sends it on the socket. */
  encodeProduce(version: number, compression: number, topicData: unknown): Promise<Buffer>;
  /** `message/compression`'s codec table (type → factory), to register codecs in this registry. */
  codecs: Record<number, () => unknown>;
}

const SRC = 'kafkajs/src/protocol';

function kafkajsInternals(): KafkajsInternals {
  // Everything is required here, eagerly: a module loaded inside jest.isolateModules that requires
  // lazily later (as kafkajs's produce/index.js does) would get the outer, patched registry's modules.
  type RequestFactory = (args: object) => KafkaRequest;
  const requests = new Map([3, 4, 5, 6, 7].map((v) => [v, require(`${SRC}/requests/produce/v${v}/request`) as RequestFactory]));
  const fetchRequest = require(`${SRC}/requests/fetch/v11/request`) as RequestFactory;
  const frame = require(`${SRC}/request`) as Frame;
  const Long = require('kafkajs/src/utils/long') as KafkajsInternals['Long'];
  require(`${SRC}/message/compression/gzip`);
  const codecs = (require(`${SRC}/message/compression/index`) as { Codecs: Record<number, () => unknown> }).Codecs;
  const produceRequest = (version: number, args: ProduceArgs): KafkaRequest => requests.get(version)!(args);
  return {
    crc32C: require(`${SRC}/recordBatch/crc32C`) as Crc,
    Encoder: require(`${SRC}/encoder`) as EncoderCtor,
    Long,
    frame,
    produceRequest,
    fetchRequest,
    codecs,
    async encodeProduce(version, compression, topicData) {
      const request = produceRequest(version, {
        acks: -1,
        timeout: 30000,
        compression,
        topicData,
        transactionalId: null,
        producerId: Long.fromInt(4711),
        producerEpoch: 3,
      });
      return (await frame({ correlationId: 42, clientId: 'test', request })).buffer;
    },
  };
}

/** Unpatched kafkajs, from a module registry of its own (the speedups are not loaded there). */
function stockKafkajs(): KafkajsInternals {
  let stock: KafkajsInternals | undefined;
  jest.isolateModules(() => {
    stock = kafkajsInternals();
  });
  return stock!;
}


/** Seeded from `rand`, filled by xorshift32 (calling `rand` per byte is slow for 100 KB values). */
function randomBytes(rand: () => number, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  let x = (rand() * 2 ** 32) >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    if ((i & 3) === 0) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
    }
    out[i] = (x >>> (8 * (i & 3))) & 0xff;
  }
  return out;
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

/** Strings with multi-byte, 4-byte, NUL and lone-surrogate characters (kafkajs writes them as UTF-8). */
function randomString(rand: () => number, maxLength: number): string {
  const chars = ['a', 'z', '0', '-', '.', ' ', 'é', 'ß', '€', '中', '😀', '\u0000', '\ud800'];
  let out = '';
  const n = Math.floor(rand() * (maxLength + 1));
  for (let i = 0; i < n; i++) out += pick(rand, chars);
  return out;
}

/** Value sizes: mostly small, around varint length boundaries, ~16 KB, and some > 64 KB. */
const VALUE_SIZES = [0, 1, 2, 63, 64, 127, 128, 300, 8191, 8192, 16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 65535, 65536, 70_000, 100 * 1024 + 3];

function randomBytesOrString(rand: () => number, large: boolean): string | Buffer | null | undefined {
  const r = rand();
  if (r < 0.1) return null;
  if (r < 0.15) return undefined;
  const size = large && rand() < 0.3 ? pick(rand, VALUE_SIZES) : pick(rand, VALUE_SIZES.slice(0, 8));
  if (r < 0.4) return randomString(rand, Math.min(size, 400));
  return randomBytes(rand, size);
}

const T0 = 1_771_000_000_000;

function randomTimestamp(rand: () => number): string | number | undefined {
  const r = rand();
  if (r < 0.3) return undefined;
  if (r < 0.35) return 0; // falsy: kafkajs uses Date.now() for its delta but still sorts it in
  const t = T0 + Math.floor(rand() * 20_000) - 10_000;
  if (r < 0.6) return t;
  if (r < 0.95) return String(t);
  return String(t - 10 ** 12 + 1); // 12 digits: sorts after the 13-digit strings; delta > int32
}

function randomMessage(rand: () => number, large: boolean): ProduceMessage {
  const message: ProduceMessage = { key: randomBytesOrString(rand, false), value: randomBytesOrString(rand, large) };
  const r = rand();
  if (r < 0.6) {
    const headers: NonNullable<ProduceMessage['headers']> = {};
    const count = Math.floor(rand() * 4);
    for (let i = 0; i < count; i++) {
      const kind = rand();
      const key = randomString(rand, 20);
      if (kind < 0.4) headers[key] = randomString(rand, 40);
      else if (kind < 0.7) headers[key] = randomBytes(rand, Math.floor(rand() * 200));
      else headers[key] = Array.from({ length: Math.floor(rand() * 3) }, () => (rand() < 0.5 ? randomString(rand, 10) : randomBytes(rand, 5)));
    }
    message.headers = headers;
  } else if (r < 0.7) {
    message.headers = {};
  }
  const timestamp = randomTimestamp(rand);
  if (timestamp !== undefined) message.timestamp = timestamp;
  else if (rand() < 0.5) message.timestamp = undefined;
  return message;
}

function randomTopicData(rand: () => number, large: boolean): unknown[] {
  return Array.from({ length: 1 + Math.floor(rand() * 3) }, () => ({
    topic: randomString(rand, 30),
    partitions: Array.from({ length: 1 + Math.floor(rand() * 4) }, () => {
      const data: Record<string, unknown> = {
        partition: Math.floor(rand() * 64),
        messages: Array.from({ length: Math.floor(rand() * 9) }, () => randomMessage(rand, large)),
      };
      if (rand() < 0.7) data.firstSequence = Math.floor(rand() * 2 ** 31);
      return data;
    }),
  }));
}

/** The framed request, or the error it failed with (as text, comparable across module registries). */
async function outcome(k: KafkajsInternals, version: number, args: ProduceArgs, clientId: string | null = 'odd'): Promise<Buffer | string> {
  try {
    return (await k.frame({ correlationId: 7, clientId, request: k.produceRequest(version, args) })).buffer;
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
}

const patched = kafkajsInternals();
const stock = stockKafkajs();

describe('kafkajs speedups', () => {
  it('are active here: native CRC32C and the patched Encoder on kafkajs 2.2.4', () => {
    expect(require('kafkajs/package.json')).toMatchObject({ version: KAFKAJS_SPEEDUPS_VERSION });
    expect(kafkaCodecInfo()).toEqual({
      kafkajsVersion: '2.2.4',
      crc32c: 'native',
      encoder: 'patched',
      encoderConstructor: true,
      produceEncoder: 'one-pass',
      requestFraming: 'one-buffer',
      grouping: 'linear',
      recordDecoder: 'numeric',
    });
    expect(patched.crc32C).not.toBe(stock.crc32C);
    expect(patched.Encoder).not.toBe(stock.Encoder);
  });

  it('native CRC32C equals kafkajs JS CRC32C on random buffers of many lengths, and the standard vectors', () => {
    const jsCrc = require(`${SRC}/recordBatch/crc32C/crc32C`) as Crc; // kafkajs's raw (signed) JS CRC32C
    const rand = mulberry32(20260214);
    const lengths = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 255, 256, 1000, 4095, 4096, 4097, 65537];
    for (let i = 0; i < 100; i++) lengths.push(Math.floor(rand() * 10000));
    for (const n of lengths) {
      const buf = randomBytes(rand, n);
      const expected = jsCrc(buf) >>> 0;
      expect([n, nativeCrc32c(buf)]).toEqual([n, expected]);
      expect([n, patched.crc32C(buf)]).toEqual([n, expected]);
      expect([n, stock.crc32C(buf)]).toEqual([n, expected]);
    }
    // RFC 3720 (iSCSI) B.4 vectors and the CRC-32C check value.
    const vectors: [Buffer, number][] = [
      [Buffer.from('123456789'), 0xe3069283],
      [Buffer.alloc(32, 0), 0x8a9136aa],
      [Buffer.alloc(32, 0xff), 0x62a8ab43],
      [Buffer.from(Array.from({ length: 32 }, (_, i) => i)), 0x46dd794e],
      [Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)), 0x113fdb5c],
    ];
    for (const [buf, crc] of vectors) {
      expect(patched.crc32C(buf)).toBe(crc);
      expect(stock.crc32C(buf)).toBe(crc);
    }
  });

  it('the patched Encoder writes the same varints and encoder arrays as the stock one', () => {
    const values = [0, 1, 63, 64, 127, 128, 255, 300, 16383, 16384, 2 ** 21, 2 ** 28, 2 ** 31 - 1, -1, -64, -65, -(2 ** 31), 2 ** 32 - 1, 1.5];
    const enc = (E: EncoderCtor): Buffer => {
      const e = new E(1);
      for (const v of values) e.writeVarInt(v).writeUVarInt(v);
      const parts = values.map((v, i) => new E().writeBytes(Buffer.alloc(i * 97, i)).writeVarInt(v));
      return new E().writeEncoderArray(parts).writeEncoderArray([]).buffer;
    };
    expect(enc(patched.Encoder).equals(enc(stock.Encoder))).toBe(true);
    expect(() => new patched.Encoder().writeEncoderArray([{} as EncoderLike])).toThrow('all values should be an instance of Encoder[]');
    // the exported constructor still makes real Encoders with kafkajs's statics
    const e = new patched.Encoder();
    expect(e).toBeInstanceOf(patched.Encoder);
    expect(e.buf.length).toBe(512);
    expect((patched.Encoder as unknown as { sizeOfVarInt(n: number): number }).sizeOfVarInt(300)).toBe(2);
  });

  it('encodes produce requests (record batches, CRCs, framing) byte-identical to stock kafkajs', async () => {
    const rand = mulberry32(7);
    const partitions = [0, 3, 5].map((partition) => ({
      partition,
      firstSequence: 11 * partition,
      messages: Array.from({ length: 24 }, (_, i): ProduceMessage => {
        const size = [0, 1, 100, 1000, 16 * 1024, 100 * 1024][i % 6]!;
        return {
          key: i % 5 === 0 ? null : randomBytes(rand, 16).toString('hex'),
          value: i === 7 ? null : randomBytes(rand, size),
          headers: i % 3 === 0 ? { 'tailstream-schema': 'tailstream.SpanBatch/1', bin: randomBytes(rand, 9) } : {},
          timestamp: i % 4 === 0 ? undefined : String(1_771_000_000_000 + i * 37),
        };
      }),
    }));
    const topicData = [{ topic: 'spans', partitions }, { topic: 'decisions', partitions: partitions.slice(1) }];
    const now = jest.spyOn(Date, 'now').mockReturnValue(1_771_000_000_500);
    try {
      for (const version of [3, 7]) {
        const [a, b] = await Promise.all([patched.encodeProduce(version, 0, topicData), stock.encodeProduce(version, 0, topicData)]);
        expect(a.length).toBeGreaterThan(3 * 24 * 19000);
        expect(a.equals(b)).toBe(true);
      }
      // gzip: the compressed records' CRC; gzip output is deterministic for the same input
      const [g1, g2] = await Promise.all([patched.encodeProduce(7, 1, topicData), stock.encodeProduce(7, 1, topicData)]);
      expect(g1.equals(g2)).toBe(true);
    } finally {
      now.mockRestore();
    }
  });

  it('encodes randomized produce requests byte-identical to stock kafkajs (versions 3-7, none and gzip, transactional or not)', async () => {
    const rand = mulberry32(20261126);
    const now = jest.spyOn(Date, 'now').mockReturnValue(T0);
    let bytes = 0;
    try {
      for (let i = 0; i < 200; i++) {
        const compression = i % 4 === 3 ? 1 : 0;
        const version = 3 + (i % 5);
        const topicData = randomTopicData(rand, compression === 0 || i % 8 === 3);
        const acks = pick(rand, [-1, 0, 1]);
        const timeout = Math.floor(rand() * 60_000);
        const transactionalId = [randomString(rand, 20) || 'tx', null, undefined, ''][i % 4]; // '' is not transactional
        const producerId = i % 7 === 0 ? undefined : Math.floor(rand() * 2 ** 40);
        const producerEpoch = i % 5 === 0 ? undefined : Math.floor(rand() * 32767);
        const clientId = i % 11 === 0 ? null : randomString(rand, 12);
        const args = (k: KafkajsInternals): ProduceArgs => ({
          acks,
          timeout,
          compression,
          topicData,
          transactionalId,
          producerId: producerId === undefined ? undefined : k.Long.fromValue(producerId),
          producerEpoch,
        });
        const [a, b] = await Promise.all([outcome(patched, version, args(patched), clientId), outcome(stock, version, args(stock), clientId)]);
        if (!Buffer.isBuffer(a) || !Buffer.isBuffer(b)) throw new Error(`request ${i} failed: ${String(a)} / ${String(b)}`);
        expect([i, a.length, a.equals(b)]).toEqual([i, b.length, true]);
        bytes += a.length;
      }
    } finally {
      now.mockRestore();
    }
    expect(bytes).toBeGreaterThan(5_000_000); // the large values were there
  }, 60_000);

  it('with a synchronous codec (snappy) reuses one records buffer and still encodes what stock kafkajs does', async () => {
    // Stock kafkajs gets the codec without compressSync: a fresh records buffer per batch, as before.
    const asyncOnly = { compress: snappyCodec.compress, decompress: snappyCodec.decompress };
    const [patchedBefore, stockBefore] = [patched.codecs[2], stock.codecs[2]];
    patched.codecs[2] = () => snappyCodec;
    stock.codecs[2] = () => asyncOnly;
    const rand = mulberry32(4242);
    const now = jest.spyOn(Date, 'now').mockReturnValue(T0);
    try {
      for (let round = 0; round < 10; round++) {
        // Several requests at once, of different sizes: each must come out as if encoded alone.
        const requests = Array.from({ length: 4 }, (_, i) => randomTopicData(rand, i % 2 === 0));
        const ours = await Promise.all(requests.map((topicData) => patched.encodeProduce(7, 2, topicData)));
        for (const [i, topicData] of requests.entries()) {
          const reference = await stock.encodeProduce(7, 2, topicData);
          expect([round, i, ours[i]!.equals(reference)]).toEqual([round, i, true]);
        }
      }
    } finally {
      now.mockRestore();
      patched.codecs[2] = patchedBefore!;
      stock.codecs[2] = stockBefore!;
    }
  });

  it("keeps kafkajs's bytes or errors for odd inputs (non-Buffer bytes, null headers, wide or fractional timestamps, holes)", async () => {
    const now = jest.spyOn(Date, 'now').mockReturnValue(T0);
    const sparse: ProduceMessage[] = [{ key: 'a', value: 'x' }];
    sparse[2] = { key: 'c', value: 'z', timestamp: T0 + 5 };
    const cases: [string, unknown[]][] = [
      ['Uint8Array value', [{ value: new Uint8Array([1, 2, 3]) }]],
      ['number key', [{ key: 42, value: 'v' }]],
      ['null header value', [{ value: 'v', headers: { h: null } }]],
      ['number header value', [{ value: 'v', headers: { h: 5 } }]],
      ['null in a header array', [{ value: 'v', headers: { h: ['a', null] } }]],
      ['string headers', [{ value: 'v', headers: 'ab' }]],
      ['fractional timestamp', [{ value: 'v', timestamp: T0 + 0.5 }, { value: 'w', timestamp: T0 }]],
      ['timestamp deltas beyond int32', [{ value: 'v', timestamp: 1 }, { value: 'w', timestamp: T0 }, { value: 'x' }]],
      ['timestamp delta int32 max', [{ value: 'v', timestamp: T0 }, { value: 'w', timestamp: T0 + 2 ** 31 - 1 }]],
      ['timestamp delta int32 max + 1', [{ value: 'v', timestamp: T0 }, { value: 'w', timestamp: T0 + 2 ** 31 }]],
      ['timestamp delta 2^32 + 5', [{ value: 'v', timestamp: T0 }, { value: 'w', timestamp: T0 + 2 ** 32 + 5 }]],
      ['timestamp delta int32 min', [{ value: 'v', timestamp: T0 + 2 ** 31 }, { value: 'w' }]], // Date.now() - first
      ['timestamp delta int32 min - 1', [{ value: 'v', timestamp: T0 + 2 ** 31 + 1 }, { value: 'w' }]],
      ['negative timestamp delta beyond int32', [{ value: 'v', timestamp: '5' }, { value: 'w', timestamp: '1000' }]],
      ['bigint timestamps', [{ value: 'v', timestamp: 10n }, { value: 'w', timestamp: 3n }]],
      ['bigint and missing timestamps', [{ value: 'v', timestamp: 10n }, { value: 'w' }]],
      ['non-numeric timestamp', [{ value: 'v', timestamp: 'soon' }]],
      ['empty messages', []],
      ['holes in messages', sparse],
    ];
    try {
      for (const compression of [0, 1]) {
        for (const [name, messages] of cases) {
          const topicData = [{ topic: 't', partitions: [{ partition: 1, messages }] }];
          const args = (k: KafkajsInternals): ProduceArgs => ({ acks: -1, timeout: 1000, compression, topicData, producerId: k.Long.fromInt(9) });
          const [a, b] = await Promise.all([outcome(patched, 7, args(patched)), outcome(stock, 7, args(stock))]);
          expect([name, compression, a]).toEqual([name, compression, b]);
        }
      }
      // kafkajs's errors for a codec it has not registered, and for a compression it does not know
      for (const compression of [2, 9]) {
        const topicData = [{ topic: 't', partitions: [{ partition: 0, messages: [{ value: 'v' }] }] }];
        const [a, b] = await Promise.all([patched, stock].map((k) => outcome(k, 7, { acks: 1, timeout: 1, compression, topicData })));
        expect(typeof a).toBe('string');
        expect(a).toEqual(b);
      }
    } finally {
      now.mockRestore();
    }
  });

  it('the one-pass Produce encoder also works under stock framing, and without headroom is an ordinary Encoder', async () => {
    const rand = mulberry32(99);
    const now = jest.spyOn(Date, 'now').mockReturnValue(T0);
    try {
      for (let i = 0; i < 10; i++) {
        const topicData = randomTopicData(rand, true);
        const args = (k: KafkajsInternals): ProduceArgs => ({ acks: -1, timeout: 30000, compression: i % 2, topicData, transactionalId: 'tx', producerId: k.Long.fromInt(i) });
        const request = patched.produceRequest(7, args(patched));
        const body = await request.encode();
        expect(body).toBeInstanceOf(patched.Encoder);
        expect(body.buffer.equals((await stock.produceRequest(7, args(stock)).encode()).buffer)).toBe(true);
        const mixed = await stock.frame({ correlationId: i, clientId: 'c', request: patched.produceRequest(7, args(patched)) });
        const expected = await stock.frame({ correlationId: i, clientId: 'c', request: stock.produceRequest(7, args(stock)) });
        expect(mixed.buffer.equals(expected.buffer)).toBe(true);
      }
    } finally {
      now.mockRestore();
    }
  }, 30_000);

  it('frames other requests byte-identical to stock kafkajs (one copy instead of two)', async () => {
    const rand = mulberry32(5);
    for (let i = 0; i < 30; i++) {
      const fetchArgs = {
        replicaId: -1,
        maxWaitTime: 500,
        minBytes: 1,
        maxBytes: 52428800,
        isolationLevel: 1,
        topics: Array.from({ length: 1 + (i % 3) }, () => ({
          topic: randomString(rand, 20),
          partitions: Array.from({ length: 1 + Math.floor(rand() * 200) }, (_, p) => ({ partition: p, fetchOffset: String(Math.floor(rand() * 2 ** 40)), maxBytes: 1048576 })),
        })),
        rackId: i % 2 ? '' : randomString(rand, 5),
      };
      const clientId = i % 5 === 0 ? null : randomString(rand, 300);
      const [a, b] = await Promise.all(
        [patched, stock].map(async (k) => (await k.frame({ correlationId: i * 1000, clientId, request: k.fetchRequest(fetchArgs) })).buffer),
      );
      expect(a!.equals(b!)).toBe(true);
    }
    // requests whose encode() is synchronous or returns a non-Encoder, as kafkajs handles them
    const syncRequest = (k: KafkajsInternals): KafkaRequest => ({ apiKey: 18, apiVersion: 2, encode: (() => new k.Encoder().writeBytes(Buffer.alloc(70_000, 7))) as unknown as KafkaRequest['encode'] });
    const [a, b] = await Promise.all([patched, stock].map(async (k) => (await k.frame({ correlationId: 1, clientId: 'x', request: syncRequest(k) })).buffer));
    expect(a!.equals(b!)).toBe(true);
    const bad: KafkaRequest = { apiKey: 18, apiVersion: 2, encode: async () => ({}) as EncoderLike };
    await expect(patched.frame({ correlationId: 1, clientId: 'x', request: bad })).rejects.toThrow('value should be an instance of Encoder');
    await expect(stock.frame({ correlationId: 1, clientId: 'x', request: bad })).rejects.toThrow('value should be an instance of Encoder');
  });

  it('decodes fetched records exactly as kafkajs does: offsets, timestamps, keys, values, headers, or the same error', () => {
    type Decoder = new (buffer: Buffer) => { offset: number };
    type RecordDecoder = ((decoder: unknown, context?: object) => unknown) & { [STOCK_EXPORT]?: (decoder: unknown, context?: object) => unknown };
    const Decoder = require(`${SRC}/decoder`) as Decoder;
    const numeric = require(`${SRC}/recordBatch/record/v0/decoder`) as RecordDecoder;
    const original = numeric[STOCK_EXPORT]!;
    expect(original).toBeDefined();
    const Long = require('kafkajs/src/utils/long') as { fromValue(v: unknown): unknown };
    const Encoder = patched.Encoder as unknown as new () => EncoderLike & {
      writeInt8(n: number): EncoderLike;
      writeVarLong(v: unknown): EncoderLike;
      writeVarIntBytes(v: Buffer | null): EncoderLike;
      writeVarIntString(v: string | null): EncoderLike;
    };
    const rand = mulberry32(20261127);
    const bases = ['0', '1', '41', '1732000000000', '123456789012', '9007199254740990', '9007199254740991', '9223372036854775000', '-5', '0042'];
    const deltas = [0, 1, -1, 63, -64, 64, 300, 2 ** 31 - 1, -(2 ** 31), 2 ** 48, -(2 ** 48), 2 ** 49, 2 ** 55, -(2 ** 60)];
    const headerKeys = ['schema', 'x-trace', '__proto__', 'toString', 'constructor', '', 'ü', '1'];
    const outcome = (decode: RecordDecoder, bytes: Buffer, context: object): unknown => {
      try {
        const decoder = new Decoder(bytes);
        return { record: decode(decoder, context), offset: decoder.offset };
      } catch (error) {
        return { error: String(error) };
      }
    };
    for (let round = 0; round < 600; round++) {
      const e = new Encoder();
      e.writeInt8(Math.floor(rand() * 4));
      e.writeVarLong(Long.fromValue(round < 300 ? Math.floor((rand() - 0.5) * 2 ** 20) : pick(rand, deltas)));
      (e as unknown as { writeVarInt(n: number): void }).writeVarInt(round % 5 === 0 ? pick(rand, deltas.filter((d) => Math.abs(d) < 2 ** 31)) : Math.floor(rand() * 500));
      e.writeVarIntBytes(rand() < 0.2 ? null : randomBytes(rand, Math.floor(rand() * 20)));
      e.writeVarIntBytes(rand() < 0.1 ? null : randomBytes(rand, Math.floor(rand() * 300)));
      const headers = Math.floor(rand() * 5);
      (e as unknown as { writeVarInt(n: number): void }).writeVarInt(rand() < 0.05 ? -1 : headers);
      for (let h = 0; h < headers; h++) {
        e.writeVarIntString(pick(rand, headerKeys));
        e.writeVarIntBytes(rand() < 0.1 ? null : randomBytes(rand, Math.floor(rand() * 8)));
      }
      const whole = e.buffer;
      // truncated records too: kafkajs reads past the end as it does, and the result must agree
      const bytes = round % 4 === 3 ? whole.subarray(0, Math.floor(rand() * whole.length)) : whole;
      const context = {
        firstOffset: pick(rand, bases),
        firstTimestamp: pick(rand, bases),
        magicByte: 2,
        isControlBatch: rand() < 0.1,
        timestampType: rand() < 0.2 ? 1 : 0,
        maxTimestamp: pick(rand, ['1732000000999', '', undefined]),
      };
      const want = outcome(original, bytes, context);
      const got = outcome(numeric, bytes, context);
      expect([round, got]).toEqual([round, want]);
      const headersOf = (o: unknown) => (o as { record?: { headers: object } }).record?.headers;
      if (headersOf(want)) {
        expect(Object.getPrototypeOf(headersOf(got))).toBe(Object.getPrototypeOf(headersOf(want)));
        expect(Object.keys(headersOf(got)!)).toEqual(Object.keys(headersOf(want)!));
      }
    }
    // a negative header count other than -1 fails as in kafkajs
    const bad = new Encoder();
    bad.writeInt8(0);
    bad.writeVarLong(Long.fromValue(0));
    (bad as unknown as { writeVarInt(n: number): void }).writeVarInt(0);
    bad.writeVarIntBytes(null);
    bad.writeVarIntBytes(null);
    (bad as unknown as { writeVarInt(n: number): void }).writeVarInt(-3);
    const context = { firstOffset: '7', firstTimestamp: '9' };
    expect(outcome(numeric, bad.buffer, context)).toEqual(outcome(original, bad.buffer, context));
    expect(outcome(numeric, bad.buffer, context)).toEqual({ error: expect.stringContaining('RangeError') });
  });

  it('groups messages per partition exactly as kafkajs does (same partitions, same order)', () => {
    type Group = (args: { topic: string; partitionMetadata: unknown[]; messages: unknown[]; partitioner: (a: { message: unknown }) => number }) => unknown;
    const linear = require('kafkajs/src/producer/groupMessagesPerPartition') as Group & { [STOCK_EXPORT]?: Group };
    const original = linear[STOCK_EXPORT]!;
    expect(original).toBeDefined();
    const rand = mulberry32(20261126);
    for (let round = 0; round < 50; round++) {
      const partitions = 1 + Math.floor(rand() * 8);
      const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 1 }));
      const messages = Array.from({ length: Math.floor(rand() * 200) }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: Math.floor(rand() * partitions) }));
      const partitioner = ({ message }: { message: unknown }) => (message as { partition: number }).partition;
      const args = { topic: 't', partitionMetadata, messages, partitioner };
      expect(linear(args)).toEqual(original(args));
    }
    const none = { topic: 't', partitionMetadata: [], messages: [{ value: 'v' }], partitioner: () => 0 };
    expect(linear(none)).toEqual(original(none));
  });

  it('leaves kafkajs untouched on another kafkajs version, and falls back to JS CRC32C without the native package', () => {
    jest.isolateModules(() => {
      jest.doMock('kafkajs/package.json', () => ({ version: '2.2.5' }));
      const speedups = require('./kafkajs-speedups') as typeof import('./kafkajs-speedups');
      expect(speedups.kafkaCodecInfo()).toMatchObject({ kafkajsVersion: '2.2.5', crc32c: 'js', encoder: 'stock' });
      const Encoder = require(`${SRC}/encoder`) as EncoderCtor;
      expect(Encoder.toString()).toMatch(/^class Encoder/);
      expect(Encoder.prototype.writeUVarInt.toString()).toContain('Buffer.from(byteArray)');
      expect(require(`${SRC}/requests/produce/v3/request`)).not.toHaveProperty([speedups.STOCK_EXPORT]);
      expect(require(`${SRC}/request`)).not.toHaveProperty([speedups.STOCK_EXPORT]);
      jest.dontMock('kafkajs/package.json');
    });
    jest.isolateModules(() => {
      const saved = process.env.TAILSTREAM_KAFKAJS_SPEEDUPS;
      process.env.TAILSTREAM_KAFKAJS_SPEEDUPS = 'off';
      try {
        const speedups = require('./kafkajs-speedups') as typeof import('./kafkajs-speedups');
        expect(speedups.kafkaCodecInfo()).toMatchObject({ crc32c: 'js', encoder: 'stock', produceEncoder: 'stock', requestFraming: 'stock' });
        expect(require(`${SRC}/requests/produce/v3/request`)).not.toHaveProperty([speedups.STOCK_EXPORT]);
      } finally {
        if (saved === undefined) delete process.env.TAILSTREAM_KAFKAJS_SPEEDUPS;
        else process.env.TAILSTREAM_KAFKAJS_SPEEDUPS = saved;
      }
    });
    jest.isolateModules(() => {
      jest.doMock('@node-rs/crc32', () => {
        throw new Error('no prebuilt binary for this platform');
      });
      const speedups = require('./kafkajs-speedups') as typeof import('./kafkajs-speedups');
      expect(speedups.kafkaCodecInfo()).toMatchObject({ crc32c: 'js', encoder: 'patched', encoderConstructor: true });
      expect(speedups.kafkaCodecInfo().reason).toMatch(/no prebuilt binary/);
      expect((require(`${SRC}/recordBatch/crc32C`) as Crc)(Buffer.from('123456789'))).toBe(0xe3069283);
      jest.dontMock('@node-rs/crc32');
    });
  });

  it('leaves the produce encoder or the framing stock when kafkajs loaded them first, and says why', () => {
    jest.isolateModules(() => {
      const stockV7 = require(`${SRC}/requests/produce/v7/request`) as unknown;
      const speedups = require('./kafkajs-speedups') as typeof import('./kafkajs-speedups');
      expect(speedups.kafkaCodecInfo()).toMatchObject({ encoder: 'patched', produceEncoder: 'stock', requestFraming: 'one-buffer' });
      expect(speedups.kafkaCodecInfo().reason).toMatch(/produce requests were loaded before/);
      expect(require(`${SRC}/requests/produce/v7/request`)).toBe(stockV7);
    });
    jest.isolateModules(() => {
      require('kafkajs'); // loads network/connection.js, which binds protocol/request.js
      const speedups = require('./kafkajs-speedups') as typeof import('./kafkajs-speedups');
      expect(speedups.kafkaCodecInfo()).toMatchObject({ produceEncoder: 'one-pass', requestFraming: 'stock', encoderConstructor: false });
      expect(speedups.kafkaCodecInfo().reason).toMatch(/connections were loaded before/);
      expect(require(`${SRC}/requests/produce/v3/request`)).toHaveProperty([speedups.STOCK_EXPORT]);
    });
  });
});

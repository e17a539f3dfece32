// First, as in client.ts: the speedups patch kafkajs's modules before anything loads them.
import { kafkaCodecInfo, KAFKAJS_SPEEDUPS_VERSION } from './kafkajs-speedups';
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

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
  key: string | Buffer | null;
  value: Buffer | null;
  headers?: Record<string, string | Buffer>;
  timestamp?: string;
}
interface KafkajsInternals {
  crc32C: Crc;
  Encoder: EncoderCtor;
  /** Bytes of a framed Produce request as kafkajs sends it on the socket. */
  encodeProduce(version: number, compression: number, topicData: unknown): Promise<Buffer>;
}

const SRC = 'kafkajs/src/protocol';

function kafkajsInternals(): KafkajsInternals {
  // Everything is required here, eagerly: a module loaded inside jest.isolateModules that requires
  // lazily later (as kafkajs's produce/index.js does) would get the outer, patched registry's modules.
  type ProduceRequest = (args: object) => object;
  const requests = new Map([3, 7].map((v) => [v, require(`${SRC}/requests/produce/v${v}/request`) as ProduceRequest]));
  const frame = require(`${SRC}/request`) as (args: object) => Promise<{ buffer: Buffer }>;
  const Long = require('kafkajs/src/utils/long') as { fromInt(n: number): unknown };
  require(`${SRC}/message/compression/gzip`);
  return {
    crc32C: require(`${SRC}/recordBatch/crc32C`) as Crc,
    Encoder: require(`${SRC}/encoder`) as EncoderCtor,
    async encodeProduce(version, compression, topicData) {
      const request = requests.get(version)!({
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

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytes(rand: () => number, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

const patched = kafkajsInternals();
const stock = stockKafkajs();

describe('kafkajs speedups', () => {
  it('are active here: native CRC32C and the patched Encoder on kafkajs 2.2.4', () => {
    expect(require('kafkajs/package.json')).toMatchObject({ version: KAFKAJS_SPEEDUPS_VERSION });
    expect(kafkaCodecInfo()).toEqual({ kafkajsVersion: '2.2.4', crc32c: 'native', encoder: 'patched', encoderConstructor: true });
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

  it('leaves kafkajs untouched on another kafkajs version, and falls back to JS CRC32C without the native package', () => {
    jest.isolateModules(() => {
      jest.doMock('kafkajs/package.json', () => ({ version: '2.2.5' }));
      const speedups = require('./kafkajs-speedups') as typeof import('./kafkajs-speedups');
      expect(speedups.kafkaCodecInfo()).toMatchObject({ kafkajsVersion: '2.2.5', crc32c: 'js', encoder: 'stock' });
      const Encoder = require(`${SRC}/encoder`) as EncoderCtor;
      expect(Encoder.toString()).toMatch(/^class Encoder/);
      expect(Encoder.prototype.writeUVarInt.toString()).toContain('Buffer.from(byteArray)');
      jest.dontMock('kafkajs/package.json');
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
});

/**
 * One-pass Produce request body for kafkajs 2.2.4: a drop-in for the export of
 * `protocol/requests/produce/v3/request.js` (which v4 to v7 wrap, so it also serves v7, what kafkajs
 * negotiates with Kafka >= 2.1 including 4.x). Installed by `kafkajs-speedups.ts`.
 *
 * kafkajs builds a Record encoder per message, copies the records into a batch encoder, the batch
 * into a partition encoder, then a topic encoder, the request encoder, a header encoder and the
 * size-prefixed frame: every value is copied about 8 times (more while encoders grow by doubling).
 * Here every record is sized first (the varint and length rules of `recordBatch/record/v0`), the
 * whole body is allocated once, values are copied into it once, and each batch's CRC32C (attributes
 * to the end of the batch, as `recordBatch/v0`) is computed on the written bytes and filled in.
 * With compression, the records section is written into one buffer, handed to kafkajs's own codec
 * (`lookupCodec`, so registered codecs work) and the compressed bytes copied once.
 *
 * `encode(headroom)` leaves `headroom` bytes free at the front of that buffer: the framing
 * replacement (`kafkajs-request-framing.ts`) writes the size prefix and request header there, so the
 * frame needs no further copy. Called without it (stock framing), it returns an ordinary Encoder.
 *
 * Byte-identical to stock kafkajs for every input (kafkajs-speedups.test.ts compares randomized
 * requests). Records outside the fast path (a key, value or header value that is not null, string
 * or Buffer; a timestamp delta that is not an int32) are encoded by kafkajs's own Record, so odd
 * inputs keep kafkajs's exact bytes or errors. Kept kafkajs behaviour: `Date.now()` once per
 * partition, timestamps sorted with the default (string) `.sort()`, `{ ...message }` field reads,
 * transactional bit from `!!transactionalId`, `firstSequence` default 0, `producerId` default -1.
 */

export interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}

interface KafkajsLong {
  getHighBits(): number;
  getLowBits(): number;
}

interface Codec {
  compress(encoder: KafkajsEncoder): Promise<unknown>;
  /**
   * Optional (our snappy codec has it): compresses within the call and returns a buffer of its
   * own, so the input may be reused as soon as it returns.
   */
  compressSync?(input: Buffer): Buffer;
}

/** The kafkajs 2.2.4 modules the encoder needs, from the module registry it replaces code in. */
export interface ProduceEncoderDeps {
  /** `protocol/encoder.js` export: its prototype makes the returned objects real Encoders. */
  Encoder: { prototype: object };
  /** `utils/long.js` export. */
  Long: { fromInt(value: number): unknown; fromValue(value: unknown): KafkajsLong };
  /** `apiKeys.Produce`. */
  apiKey: number;
  /** `protocol/message/compression` exports. */
  compression: { Types: { None: number }; lookupCodec(type: unknown): Codec | null; COMPRESSION_CODEC_MASK: number };
  /** `recordBatch/crc32C/index.js` export (native when the speedups installed it). */
  crc32C(buffer: Buffer): number;
  /** `recordBatch/record/v0` export, for records outside the fast path. */
  Record(args: object): KafkajsEncoder;
}

/** On an `encode` function: it accepts a headroom argument (see the header comment). */
export const ENCODE_WITH_HEADROOM = Symbol.for('tailstream.kafkajs-speedups.encode-headroom');

export type EncodeWithHeadroom = ((headroom?: number) => Promise<KafkajsEncoder>) & { [ENCODE_WITH_HEADROOM]?: true };

interface ProduceArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: Iterable<object>;
}

export interface ProduceRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse(): boolean;
  encode: EncodeWithHeadroom;
}

type Bytes = string | Buffer | null;

/** One record: either sizes and fields for the fast path, or kafkajs's own encoding of it. */
interface RecordPlan {
  /** Bytes of the whole record, its length varint included. */
  size: number;
  /** Record body length (what the leading varint says); fast path only. */
  bodySize: number;
  timestampDelta: number;
  offsetDelta: number;
  key: Bytes;
  keyLength: number;
  value: Bytes;
  valueLength: number;
  /** Flattened headers: key, key length, value, value length, repeated. */
  headers: (string | Buffer | number)[];
  /** kafkajs's Record bytes when outside the fast path. */
  encoded: Buffer | null;
}

interface BatchPlan {
  partition: number;
  attributes: number;
  lastOffsetDelta: number;
  firstTimestamp: KafkajsLong;
  maxTimestamp: KafkajsLong;
  producerId: KafkajsLong;
  producerEpoch: number;
  firstSequence: number;
  recordCount: number;
  /** Uncompressed records (may have holes where `messages` had them, as kafkajs's map keeps). */
  records: RecordPlan[] | null;
  /** Compressed records section. */
  compressed: Buffer | null;
  /** Bytes after the record count. */
  recordsSize: number;
}

interface TopicPlan {
  topic: string | null | undefined;
  topicLength: number;
  partitionCount: number;
  batches: BatchPlan[];
}

const TRANSACTIONAL_MASK = 16;
const MAGIC_BYTE = 2;
/** partition, record set size, first offset, batch length, leader epoch, magic, CRC. */
const BATCH_HEAD = 4 + 4 + 8 + 4 + 4 + 1 + 4;
/** attributes .. first sequence, and the record count: the CRC covers these and the records. */
const BATCH_BODY_HEAD = 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

// --- varints as kafkajs writes them: zig-zag on 32-bit ints, then LEB128 of the uint32 ----------

function zigZag(value: number): number {
  return (value << 1) ^ (value >> 31);
}

function sizeOfUVarInt(value: number): number {
  let rest = value;
  let bytes = 1;
  while ((rest & 0xffffff80) !== 0) {
    bytes += 1;
    rest >>>= 7;
  }
  return bytes;
}

function sizeOfVarInt(value: number): number {
  return sizeOfUVarInt(zigZag(value));
}

function writeUVarInt(buf: Buffer, at: number, value: number): number {
  let offset = at;
  let rest = value;
  while ((rest & 0xffffff80) !== 0) {
    buf[offset++] = (rest & 0x7f) | 0x80;
    rest >>>= 7;
  }
  buf[offset++] = rest & 0x7f;
  return offset;
}

function writeVarInt(buf: Buffer, at: number, value: number): number {
  return writeUVarInt(buf, at, zigZag(value));
}

/** Length as kafkajs's `writeVarIntBytes` writes it: -1 for null, else bytes; NaN if not fast-path. */
function bytesLength(value: unknown): number {
  if (value == null) return -1;
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (Buffer.isBuffer(value)) return value.length;
  return NaN;
}

function sizeOfVarIntBytes(length: number): number {
  return length < 0 ? sizeOfVarInt(-1) : sizeOfVarInt(length) + length;
}

/** Writes a value measured by `bytesLength` the way `writeVarIntBytes` does. */
function writeVarIntBytes(buf: Buffer, at: number, value: Bytes, length: number): number {
  if (value === null) return writeVarInt(buf, at, -1);
  const offset = writeVarInt(buf, at, length);
  if (typeof value === 'string') buf.write(value, offset, length, 'utf8');
  else value.copy(buf, offset);
  return offset + length;
}

/** `writeString` (INT16 length, -1 for null): bytes it takes, given `stringLength`. */
function stringLength(value: string | null | undefined): number {
  return value == null ? -1 : Buffer.byteLength(value, 'utf8');
}

function writeString(buf: Buffer, at: number, value: string | null | undefined, length: number): number {
  buf.writeInt16BE(length, at);
  if (length > 0) buf.write(value!, at + 2, length, 'utf8');
  return at + 2 + Math.max(length, 0);
}

function writeInt64(buf: Buffer, at: number, value: KafkajsLong): number {
  buf.writeInt32BE(value.getHighBits(), at);
  buf.writeInt32BE(value.getLowBits(), at + 4);
  return at + 8;
}

// --- the request ------------------------------------------------------------------------------------

export function createProduceRequestV3(deps: ProduceEncoderDeps): (args: ProduceArgs) => ProduceRequest {
  const { Encoder, Long, apiKey, compression: codecs, crc32C, Record } = deps;
  const None = codecs.Types.None;

  const asEncoder = (buf: Buffer, offset: number): KafkajsEncoder => {
    const encoder = Object.create(Encoder.prototype) as KafkajsEncoder;
    encoder.buf = buf;
    encoder.offset = offset;
    return encoder;
  };

  function planRecord(message: Record<string, unknown>, offsetDelta: number, timestampDelta: unknown): RecordPlan {
    // kafkajs: Record({ ...message, offsetDelta, timestampDelta }) with `headers = {}` as default.
    const fields: Record<string, unknown> = { ...message, offsetDelta, timestampDelta };
    const { key, value } = fields;
    const headers = (fields.headers === undefined ? {} : fields.headers) as Record<string, unknown>;
    const flat: (string | Buffer | number)[] = [];
    let fast = typeof timestampDelta === 'number' && Number.isInteger(timestampDelta) && timestampDelta >= INT32_MIN && timestampDelta <= INT32_MAX;
    let headersSize = 0;
    let headerCount = 0;
    const addHeader = (headerKey: string, headerValue: unknown): void => {
      const valueLength = bytesLength(headerValue);
      if (!(valueLength >= 0)) {
        fast = false; // null (kafkajs throws on it), or not a string or Buffer
        return;
      }
      const keyLength = Buffer.byteLength(headerKey, 'utf8');
      headersSize += sizeOfVarInt(keyLength) + keyLength + sizeOfVarInt(valueLength) + valueLength;
      headerCount += 1;
      flat.push(headerKey, keyLength, headerValue as string | Buffer, valueLength);
    };
    for (const headerKey of Object.keys(headers)) {
      const headerValue = headers[headerKey];
      if (Array.isArray(headerValue)) headerValue.forEach((v: unknown) => addHeader(headerKey, v));
      else addHeader(headerKey, headerValue);
    }
    const keyLength = bytesLength(key);
    const valueLength = bytesLength(value);
    if (!fast || Number.isNaN(keyLength) || Number.isNaN(valueLength)) {
      const encoded = Record(fields).buffer;
      return { size: encoded.length, bodySize: 0, timestampDelta: 0, offsetDelta, key: null, keyLength: 0, value: null, valueLength: 0, headers: [], encoded };
    }
    const bodySize =
      1 + // attributes
      sizeOfVarInt(timestampDelta as number) + // as a varlong: same bytes for an int32
      sizeOfVarInt(offsetDelta) +
      sizeOfVarIntBytes(keyLength) +
      sizeOfVarIntBytes(valueLength) +
      sizeOfVarInt(headerCount) +
      headersSize;
    return {
      size: sizeOfVarInt(bodySize) + bodySize,
      bodySize,
      timestampDelta: timestampDelta as number,
      offsetDelta,
      key: (key ?? null) as Bytes,
      keyLength,
      value: (value ?? null) as Bytes,
      valueLength,
      headers: flat,
      encoded: null,
    };
  }

  function writeRecord(buf: Buffer, at: number, record: RecordPlan): number {
    if (record.encoded) {
      record.encoded.copy(buf, at);
      return at + record.encoded.length;
    }
    let offset = writeVarInt(buf, at, record.bodySize);
    buf[offset++] = 0; // attributes
    // varlong of an int32: zig-zag of it as a uint32, LEB128
    offset = writeUVarInt(buf, offset, zigZag(record.timestampDelta) >>> 0);
    offset = writeVarInt(buf, offset, record.offsetDelta);
    offset = writeVarIntBytes(buf, offset, record.key, record.keyLength);
    offset = writeVarIntBytes(buf, offset, record.value, record.valueLength);
    const headers = record.headers;
    offset = writeVarInt(buf, offset, headers.length / 4);
    for (let i = 0; i < headers.length; i += 4) {
      const keyLength = headers[i + 1] as number;
      offset = writeVarInt(buf, offset, keyLength);
      buf.write(headers[i] as string, offset, keyLength, 'utf8');
      offset += keyLength;
      offset = writeVarIntBytes(buf, offset, headers[i + 2] as string | Buffer, headers[i + 3] as number);
    }
    return offset;
  }

  function writeRecords(buf: Buffer, at: number, records: RecordPlan[]): number {
    let offset = at;
    records.forEach((record) => {
      offset = writeRecord(buf, offset, record);
    });
    return offset;
  }

  function planBatch(data: Record<string, unknown>, compression: number, transactionalId: unknown, producerId: unknown, producerEpoch: number): BatchPlan {
    // As kafkajs's partitionsEncoder, then RecordBatch's defaults.
    const { partition, messages, firstSequence = 0 } = { ...data } as { partition: number; messages: Record<string, unknown>[]; firstSequence?: number };
    const dateNow = Date.now();
    const messageTimestamps = messages
      .map((m) => m.timestamp)
      .filter((timestamp) => timestamp != null)
      .sort();
    const timestamps = messageTimestamps.length === 0 ? [dateNow] : messageTimestamps;
    const firstTimestamp = timestamps[0] as number;
    const maxTimestamp = timestamps[timestamps.length - 1];
    let recordsSize = 0;
    const records = messages.map((message, i) => {
      const record = planRecord(message, i, ((message.timestamp as number) || dateNow) - firstTimestamp);
      recordsSize += record.size;
      return record;
    });

    return {
      partition,
      attributes: (compression & codecs.COMPRESSION_CODEC_MASK) | (transactionalId ? TRANSACTIONAL_MASK : 0),
      lastOffsetDelta: records.length - 1,
      firstTimestamp: Long.fromValue(firstTimestamp),
      maxTimestamp: Long.fromValue(maxTimestamp),
      producerId: Long.fromValue(producerId),
      producerEpoch,
      firstSequence,
      recordCount: records.length,
      records,
      compressed: null,
      recordsSize,
    };
  }

  /**
   * Records sections handed to a synchronous codec: written, compressed and done with inside one
   * call, so one buffer serves every batch (a batch's section is up to a producer batch in size;
   * a fresh one per batch was most of the encoder's memory churn with snappy).
   */
  let syncSection = Buffer.allocUnsafe(0);

  /** As RecordBatch's compressRecords: the records section through kafkajs's codec for `compression`. */
  async function compressBatch(batch: BatchPlan, compression: number): Promise<void> {
    const codec = codecs.lookupCodec(compression);
    const sync = codec?.compressSync !== undefined;
    if (sync && syncSection.length < batch.recordsSize) syncSection = Buffer.allocUnsafe(Math.max(batch.recordsSize, 2 * syncSection.length));
    const section = sync ? syncSection : Buffer.allocUnsafe(batch.recordsSize);
    const end = writeRecords(section, 0, batch.records!);
    if (end !== batch.recordsSize) throw new Error(`kafkajs-produce-encoder: records wrote ${end} bytes, sized ${batch.recordsSize}`);
    const compressed = sync ? codec!.compressSync!(section.subarray(0, end)) : await codec!.compress(asEncoder(section, end));
    if (!Buffer.isBuffer(compressed)) throw new Error('value should be an instance of Buffer');
    batch.records = null;
    batch.compressed = compressed;
    batch.recordsSize = compressed.length;
  }

  /** partition, record set (first offset, batch length, batch), CRC filled in after the records. */
  function writeBatch(buf: Buffer, at: number, batch: BatchPlan): number {
    const crcCovered = BATCH_BODY_HEAD + batch.recordsSize;
    const batchLength = 4 + 1 + 4 + crcCovered; // leader epoch, magic, CRC, covered bytes
    buf.writeInt32BE(batch.partition, at);
    buf.writeInt32BE(8 + 4 + batchLength, at + 4);
    buf.writeInt32BE(0, at + 8); // first offset (int64 0)
    buf.writeInt32BE(0, at + 12);
    buf.writeInt32BE(batchLength, at + 16);
    buf.writeInt32BE(0, at + 20); // partition leader epoch
    buf.writeInt8(MAGIC_BYTE, at + 24);
    const crcAt = at + 25;
    const start = crcAt + 4;
    let offset = start;
    buf.writeInt16BE(batch.attributes, offset);
    buf.writeInt32BE(batch.lastOffsetDelta, offset + 2);
    offset = writeInt64(buf, offset + 6, batch.firstTimestamp);
    offset = writeInt64(buf, offset, batch.maxTimestamp);
    offset = writeInt64(buf, offset, batch.producerId);
    buf.writeInt16BE(batch.producerEpoch, offset);
    buf.writeInt32BE(batch.firstSequence, offset + 2);
    buf.writeInt32BE(batch.recordCount, offset + 6);
    offset += 10;
    if (batch.compressed) {
      batch.compressed.copy(buf, offset);
      offset += batch.compressed.length;
    } else {
      offset = writeRecords(buf, offset, batch.records!);
    }
    if (offset !== start + crcCovered) throw new Error(`kafkajs-produce-encoder: batch wrote ${offset - start} bytes, sized ${crcCovered}`);
    buf.writeUInt32BE(crc32C(buf.subarray(start, offset)), crcAt);
    return offset;
  }

  return ({ acks, timeout, transactionalId = null, producerId = Long.fromInt(-1), producerEpoch = 0, compression = None, topicData }) => {
    const encode: EncodeWithHeadroom = async (headroom = 0) => {
      const topics: TopicPlan[] = [];
      const idLength = stringLength(transactionalId);
      let size = 2 + Math.max(idLength, 0) + 2 + 4 + 4;
      for (const data of topicData) {
        const { topic, partitions } = { ...data } as { topic: string | null | undefined; partitions: Iterable<Record<string, unknown>> };
        const batches: BatchPlan[] = [];
        for (const partitionData of partitions) {
          const batch = planBatch(partitionData, compression, transactionalId, producerId, producerEpoch);
          // Uncompressed, nothing is awaited: values are copied in the same synchronous run that read them.
          if (compression !== None) await compressBatch(batch, compression);
          size += BATCH_HEAD + BATCH_BODY_HEAD + batch.recordsSize;
          batches.push(batch);
        }
        const topicLength = stringLength(topic);
        size += 2 + Math.max(topicLength, 0) + 4;
        topics.push({ topic, topicLength, partitionCount: batches.length, batches });
      }

      const buf = Buffer.allocUnsafe(headroom + size);
      let offset = writeString(buf, headroom, transactionalId, idLength);
      buf.writeInt16BE(acks, offset);
      buf.writeInt32BE(timeout, offset + 2);
      buf.writeInt32BE(topics.length, offset + 6);
      offset += 10;
      for (const topic of topics) {
        offset = writeString(buf, offset, topic.topic, topic.topicLength);
        buf.writeInt32BE(topic.partitionCount, offset);
        offset += 4;
        for (const batch of topic.batches) offset = writeBatch(buf, offset, batch);
      }
      if (offset !== headroom + size) throw new Error(`kafkajs-produce-encoder: wrote ${offset - headroom} bytes, sized ${size}`);
      return asEncoder(buf, offset);
    };
    encode[ENCODE_WITH_HEADROOM] = true;
    return { apiKey, apiVersion: 3, apiName: 'Produce', expectResponse: () => acks !== 0, encode };
  };
}

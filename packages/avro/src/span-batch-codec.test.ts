import type { Type } from 'avsc';
import { mulberry32 as rng } from '@tailstream/test-harness/random';
import { isRootSpan, joinTimeHalves, readSpanTimes, spanIdKeyAt, type SpanBatch, type SpanRecord, type SpanTimes } from '@tailstream/model';
import { AvroReader, AvroWriter } from './binary';
import { loadType, SchemaError } from './codec';
import { bigintLongType } from './long';
import { keptSpanBatchCodec, spanBatchCodec } from './codecs';
import { LazySpan, SPAN_FIELDS, skipSpanFields, walked, walkUsualSpan } from './lazy-span';
import { readAvroSchema } from './schema-files';


const TEXTS = ['', 'a', 'GET /cart', 'checkout-service', 'ünïcødé ✓', '日本語のスパン名', 'emoji 🚀 span', 'x'.repeat(21), 'y'.repeat(22), 'z'.repeat(300), '\u0000nul'];
const LONGS = [0n, 1n, -1n, 63n, 64n, -64n, -65n, 2n ** 31n, -(2n ** 31n), 2n ** 53n + 1n, 1_764_100_000_123_456_789n, 2n ** 63n - 1n, -(2n ** 63n), 2n ** 35n - 1n, 2n ** 56n];
const INTS = [0, 1, -1, 63, 64, -64, -65, 8191, 8192, 2 ** 31 - 1, -(2 ** 31), 123_456];

function generate(seed: number): SpanBatch {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const bytes = (max: number): Buffer => Buffer.from(Array.from({ length: Math.floor(r() * max) }, () => Math.floor(r() * 256)));
  const list = (max: number, itemMax: number): Buffer[] => Array.from({ length: Math.floor(r() * max) }, () => bytes(itemMax));
  const resources = Array.from({ length: Math.floor(r() * 3) }, () => ({ serviceName: pick(TEXTS), attributes: bytes(200), droppedAttributesCount: pick(INTS), schemaUrl: pick(TEXTS) }));
  const scopes = Array.from({ length: Math.floor(r() * 3) }, () => ({ name: pick(TEXTS), version: pick(TEXTS), attributes: bytes(40), droppedAttributesCount: pick(INTS), schemaUrl: pick(TEXTS) }));
  const spans: SpanRecord[] = Array.from({ length: Math.floor(r() * 40) }, () => ({
    spanId: bytes(9),
    parentSpanId: r() < 0.2 ? Buffer.alloc(0) : bytes(9),
    traceState: pick(TEXTS),
    flags: pick(INTS),
    name: pick(TEXTS),
    kind: pick(INTS),
    startTimeUnixNano: pick(LONGS),
    endTimeUnixNano: pick(LONGS),
    statusCode: pick(INTS),
    statusMessage: pick(TEXTS),
    resourceIndex: pick(INTS),
    scopeIndex: pick(INTS),
    attributes: bytes(r() < 0.1 ? 3000 : 300),
    droppedAttributesCount: pick(INTS),
    events: list(4, 150),
    droppedEventsCount: pick(INTS),
    links: list(3, 60),
    droppedLinksCount: pick(INTS),
  }));
  return { traceId: bytes(17), resources, scopes, spans, receivedAtUnixNano: pick(LONGS) };
}

let avscV2: Type;
let avscV1: Type;
let avscKept: Type;
beforeAll(() => {
  avscV2 = loadType('span-batch.v2');
  avscV1 = loadType('span-batch.v1');
  const registry: Record<string, Type> = {};
  loadType('sampling-decision.v1', registry);
  loadType('span-batch.v2', registry);
  avscKept = loadType('kept-span-batch.v1', registry);
});

/** Every SpanRecord field read through the interface (works for plain and lazy spans). */
function plain(span: SpanRecord): SpanRecord {
  const out: Record<string, unknown> = {};
  for (const f of SPAN_FIELDS) out[f] = span[f];
  return out as unknown as SpanRecord;
}

/** Buffers as hex, so deep equality of large batches stays fast (jest compares typed arrays byte by byte). */
function hexed(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return `0x${value.toString('hex')}`;
  if (Array.isArray(value)) return value.map(hexed);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, hexed(v)]));
  return value;
}

const SEEDS = Array.from({ length: 150 }, (_, i) => i + 1);

describe('SpanBatchCodec against avsc (the reference implementation)', () => {
  it('writes exactly the bytes avsc writes', () => {
    const codec = spanBatchCodec();
    for (const seed of SEEDS) {
      const batch = generate(seed);
      expect(codec.encode(batch).equals(avscV2.toBuffer(batch))).toBe(true);
    }
  });

  it('reads what avsc writes into the values avsc reads, eagerly and lazily', () => {
    const codec = spanBatchCodec();
    for (const seed of SEEDS) {
      const bytes = avscV2.toBuffer(generate(seed));
      const expected = avscV2.fromBuffer(bytes) as SpanBatch;
      expect(hexed(codec.decode(bytes, 'span-batch.v2'))).toEqual(hexed(expected));
      const lazy = codec.decodeLazy(bytes, 'span-batch.v2');
      expect(lazy.spans.every((s) => s instanceof LazySpan)).toBe(true);
      expect(hexed({ ...lazy, spans: lazy.spans.map(plain) })).toEqual(hexed(expected));
    }
  });

  it('answers isRoot, spanIdKey(), readTimes() and readAttributeBounds() of lazy spans as their fields do', () => {
    const codec = spanBatchCodec();
    let roots = 0;
    for (const seed of SEEDS) {
      const bytes = avscV2.toBuffer(generate(seed));
      for (const span of codec.decodeLazy(bytes, 'span-batch.v2').spans as LazySpan[]) {
        expect(span.isRoot).toBe(span.parentSpanId.length === 0);
        expect(isRootSpan(span)).toBe(span.isRoot);
        expect(span.spanIdKey()).toBe(spanIdKeyAt(span.spanId, 0, span.spanId.length));
        const lazy: SpanTimes = { startHi: 0, startLo: 0, endHi: 0, endLo: 0 };
        span.readTimes(lazy);
        const fromFields = { ...lazy };
        readSpanTimes(span.toRecord(), fromFields);
        expect(lazy).toEqual(fromFields);
        expect([joinTimeHalves(lazy.startHi, lazy.startLo), joinTimeHalves(lazy.endHi, lazy.endLo)]).toEqual([span.startTimeUnixNano, span.endTimeUnixNano]);
        const bounds = { source: Buffer.alloc(0), start: 0, end: 0 };
        span.readAttributeBounds(bounds);
        expect(bounds.source).toBe(span.source);
        expect(bounds.source.subarray(bounds.start, bounds.end).equals(span.attributes)).toBe(true);
        if (span.isRoot) roots++;
      }
    }
    expect(roots).toBeGreaterThan(0);
  });

  it('walks usual span records in one pass exactly as the general walk does, and leaves every other record to it', () => {
    let usual = 0;
    let other = 0;
    for (const seed of SEEDS) {
      for (const span of generate(seed).spans) {
        const bytes = Buffer.concat([Buffer.from('before'), spanOnly(span), Buffer.from('after')]);
        const start = 6;
        const end = bytes.length - 5;
        const r = new AvroReader(bytes, start, end);
        skipSpanFields(r, 0, 6);
        const timesAt = r.pos;
        skipSpanFields(r, 6, 10);
        const resourceIndex = r.int();
        const scopeIndex = r.int();
        const attributesAt = r.pos;
        const fast = walkUsualSpan(bytes, start, end);
        if (fast < 0) {
          other++;
          continue;
        }
        usual++;
        expect([fast, walked.timesAt, walked.attributesAt, walked.resourceIndex, walked.scopeIndex]).toEqual([end, timesAt, attributesAt, resourceIndex, scopeIndex]);
        // every prefix of a usual record is rejected
        for (let n = start; n < end; n++) expect(walkUsualSpan(bytes, start, n)).toBe(-1);
      }
    }
    expect(usual).toBeGreaterThan(20);
    expect(other).toBeGreaterThan(20);
  });

  it('reads v1 (no receivedAtUnixNano) like the avsc resolver', () => {
    const codec = spanBatchCodec();
    for (const seed of SEEDS.slice(0, 50)) {
      const { receivedAtUnixNano: _, ...v1 } = generate(seed);
      const bytes = avscV1.toBuffer(v1);
      expect(hexed(codec.decode(bytes, 'span-batch.v1'))).toEqual(hexed({ ...(avscV1.fromBuffer(bytes) as object), receivedAtUnixNano: 0n }));
    }
  });

  it('re-encodes lazy spans as the bytes they came in, with rewritten resource and scope indexes', () => {
    const codec = spanBatchCodec();
    for (const seed of SEEDS.slice(0, 100)) {
      const bytes = avscV2.toBuffer(generate(seed));
      const lazy = codec.decodeLazy(bytes, 'span-batch.v2');
      expect(codec.encode(lazy).equals(bytes)).toBe(true);
      for (const [i, span] of lazy.spans.entries()) {
        span.resourceIndex = i * 1000 - 7;
        span.scopeIndex = -i;
      }
      const expected = avscV2.fromBuffer(bytes) as SpanBatch;
      expected.spans.forEach((s, i) => {
        s.resourceIndex = i * 1000 - 7;
        s.scopeIndex = -i;
      });
      expect(codec.encode(lazy).equals(avscV2.toBuffer(expected))).toBe(true);
    }
  });

  it('reads array blocks with a negative count and a byte size (allowed by the Avro spec)', () => {
    const w = new AvroWriter();
    w.bytes(Buffer.from([1, 2]));
    w.int(-1); // one resource, block size follows
    w.long(99n);
    w.string('svc');
    w.bytes(Buffer.from([3]));
    w.int(0);
    w.string('');
    w.int(0);
    w.int(0); // scopes
    w.int(0); // spans
    w.long(5n);
    const batch = spanBatchCodec().decode(w.take(), 'span-batch.v2');
    expect(batch.resources).toEqual([{ serviceName: 'svc', attributes: Buffer.from([3]), droppedAttributesCount: 0, schemaUrl: '' }]);
    expect(batch.receivedAtUnixNano).toBe(5n);
  });

  it('reads span events and links in blocks with a negative count and a byte size, lazily too', () => {
    const w = new AvroWriter();
    w.bytes(Buffer.from([7])); // traceId
    w.int(0); // resources
    w.int(0); // scopes
    w.int(1); // one span
    w.bytes(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
    w.bytes(Buffer.alloc(0));
    w.string('');
    w.int(1);
    w.string('op');
    w.int(2);
    w.long(10n);
    w.long(20n);
    w.int(0);
    w.string('');
    w.int(0);
    w.int(0);
    w.bytes(Buffer.from([9]));
    w.int(0);
    w.int(-2); // two events, block size follows
    w.long(6n);
    w.bytes(Buffer.from([0xe1, 0xe2]));
    w.bytes(Buffer.from([0xe3]));
    w.int(0);
    w.int(0); // events dropped
    w.int(-1); // one link
    w.long(2n);
    w.bytes(Buffer.from([0x11]));
    w.int(0);
    w.int(3); // links dropped
    w.int(0); // end of spans
    w.long(5n);
    const bytes = w.take();
    const codec = spanBatchCodec();
    for (const batch of [codec.decode(bytes, 'span-batch.v2'), codec.decodeLazy(bytes, 'span-batch.v2')]) {
      const span = batch.spans[0]!;
      expect([span.events, span.links, span.droppedLinksCount, batch.receivedAtUnixNano]).toEqual([[Buffer.from([0xe1, 0xe2]), Buffer.from([0xe3])], [Buffer.from([0x11])], 3, 5n]);
    }
  });

  it('throws a SchemaError, never a crash or a wrong value, on every truncation and on trailing bytes', () => {
    const codec = spanBatchCodec();
    // a batch with a few spans of every shape: each prefix must fail cleanly
    const small = generate(7);
    small.spans = small.spans.slice(0, 3);
    const bytes = avscV2.toBuffer(small);
    for (let n = 0; n < bytes.length; n++) {
      expect(() => codec.decode(bytes.subarray(0, n), 'span-batch.v2')).toThrow(SchemaError);
      expect(() => codec.decodeLazy(bytes.subarray(0, n), 'span-batch.v2')).toThrow(SchemaError);
    }
    expect(() => codec.decode(Buffer.concat([bytes, Buffer.from([0])]), 'span-batch.v2')).toThrow(/trailing data/);
    expect(() => codec.decode(Buffer.from([0x01]), 'span-batch.v2')).toThrow(/negative length/);
    expect(() => codec.decode(Buffer.from([0x00, 0xfe, 0xff, 0xff, 0xff, 0x0f]), 'span-batch.v2')).toThrow(/exceeds the remaining bytes/);
    expect(() => codec.decode(Buffer.from([0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 'span-batch.v2')).toThrow(/too long/);
  });
});

/** The Avro encoding of one Span record (cut out of a batch of that one span). */
function spanOnly(span: SpanRecord): Buffer {
  const batch = spanBatchCodec().encode({ traceId: Buffer.alloc(0), resources: [], scopes: [], spans: [span], receivedAtUnixNano: 0n });
  // empty trace ID, no resources, no scopes, block of one span (1 byte each); after the span: end of array, receivedAt 0
  return batch.subarray(4, batch.length - 2);
}

describe('KeptSpanBatchCodec against avsc', () => {
  const decision = {
    traceId: Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex'),
    sampled: true,
    policy: 'errors',
    policyVersion: 'v-1',
    adjustedCount: 2.5,
    spanCount: 3,
    decidedAtUnixMs: 1_764_100_002_000n,
  };

  it('writes and reads the bytes avsc does, lazy spans included', () => {
    const codec = keptSpanBatchCodec();
    for (const seed of SEEDS.slice(0, 60)) {
      const value = { decision, batch: generate(seed) };
      const bytes = avscKept.toBuffer(value);
      expect(codec.encode(value).equals(bytes)).toBe(true);
      expect(hexed(codec.decode(bytes, codec.schemaId))).toEqual(hexed(avscKept.fromBuffer(bytes)));
      const lazy = spanBatchCodec().decodeLazy(avscV2.toBuffer(value.batch), 'span-batch.v2');
      expect(codec.encode({ decision, batch: lazy }).equals(bytes)).toBe(true);
    }
  });

  it('names the problem for an unknown writer and for truncated bytes', () => {
    const codec = keptSpanBatchCodec();
    const bytes = codec.encode({ decision, batch: generate(3) });
    expect(() => codec.decode(bytes, 'kept-span-batch.v9')).toThrow(/unknown writer schema kept-span-batch.v9/);
    expect(() => codec.decode(bytes, undefined)).toThrow(/no tailstream-schema header/);
    for (const n of [0, 5, 20, bytes.length - 1]) expect(() => codec.decode(bytes.subarray(0, n), codec.schemaId)).toThrow(SchemaError);
  });
});

describe('span-batch schema files', () => {
  it('list the Span fields in the order the specialised codec reads and writes them', () => {
    for (const id of ['span-batch.v1', 'span-batch.v2']) {
      const schema = readAvroSchema(id) as { fields: { name: string; type: { items?: { fields?: { name: string }[] } } }[] };
      expect(schema.fields.slice(0, 4).map((f) => f.name)).toEqual(['traceId', 'resources', 'scopes', 'spans']);
      const spanFields = schema.fields[3]?.type.items?.fields?.map((f) => f.name);
      expect(spanFields).toEqual([...SPAN_FIELDS]);
      expect(schema.fields.map((f) => f.name)).toEqual(id === 'span-batch.v1' ? ['traceId', 'resources', 'scopes', 'spans'] : ['traceId', 'resources', 'scopes', 'spans', 'receivedAtUnixNano']);
    }
  });
});

describe('AvroReader / AvroWriter primitives', () => {
  it('round-trip ints and longs at every boundary, with avsc-identical bytes', () => {
    for (const n of LONGS) {
      const w = new AvroWriter(1);
      w.long(n);
      const written = w.take();
      expect(written.equals(bigintLongType.toBuffer(n))).toBe(true);
      const r = new AvroReader(written);
      expect(r.long()).toBe(n);
      r.expectEnd();
    }
    for (const n of INTS) {
      const w = new AvroWriter(1);
      w.int(n);
      expect(new AvroReader(w.take()).int()).toBe(n);
    }
  });
});

import type { ResourceRecord, ScopeRecord, SpanBatch } from '@tailstream/model';
import { SpanBatchCodec } from './span-batch-codec';

const V2 = 'span-batch.v2';

function resource(n: number): ResourceRecord {
  const attributes = Buffer.from(`service.instance.id=pod-${n};host=node-${n % 7}`);
  return { serviceName: `svc-${n % 5}`, attributes, droppedAttributesCount: n % 3, schemaUrl: n % 2 ? 'https://opentelemetry.io/schemas/1.24.0' : '' };
}

function scope(n: number): ScopeRecord {
  return { name: `lib-${n % 4}`, version: `1.${n}`, attributes: Buffer.from([n & 0xff, n >> 8]), droppedAttributesCount: 0, schemaUrl: '' };
}

function batch(resources: ResourceRecord[], scopes: ScopeRecord[]): SpanBatch {
  return { traceId: Buffer.alloc(16, 7), resources, scopes, spans: [], receivedAtUnixNano: 1n };
}

/** Plain copies of the records (Buffers as hex), for content comparisons. */
const plain = (records: readonly object[]): unknown =>
  records.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : v])));

describe('SpanBatchCodec.decodeLazy resources and scopes (DecodedRecordCache)', () => {
  it('returns equal records of different messages as one object, with the content of the eager decode', () => {
    const codec = new SpanBatchCodec();
    const bytes = codec.encode(batch([resource(1), resource(2)], [scope(1)]));
    const first = codec.decodeLazy(Buffer.from(bytes), V2);
    const second = codec.decodeLazy(Buffer.from(bytes), V2);
    expect(second.resources[0]).toBe(first.resources[0]);
    expect(second.resources[1]).toBe(first.resources[1]);
    expect(second.scopes[0]).toBe(first.scopes[0]);
    expect(first.resources[0]).not.toBe(first.resources[1]);
    const eager = codec.decode(bytes, V2);
    expect(plain(second.resources)).toEqual(plain(eager.resources));
    expect(plain(second.scopes)).toEqual(plain(eager.scopes));
  });

  it('keeps no view of the message: overwriting it leaves cached records intact', () => {
    const codec = new SpanBatchCodec();
    const original = batch([resource(3)], [scope(3)]);
    const message = codec.encode(original);
    const decoded = codec.decodeLazy(message, V2);
    message.fill(0);
    expect(plain(decoded.resources)).toEqual(plain(original.resources));
    expect(plain(decoded.scopes)).toEqual(plain(original.scopes));
    expect(codec.decodeLazy(codec.encode(original), V2).resources[0]).toBe(decoded.resources[0]);
  });

  it('tells apart records that differ in one byte', () => {
    const codec = new SpanBatchCodec();
    const a = resource(10);
    const b = { ...a, attributes: Buffer.from(a.attributes) };
    b.attributes.writeUInt8(b.attributes.readUInt8(b.attributes.length - 1) ^ 1, b.attributes.length - 1);
    const ra = codec.decodeLazy(codec.encode(batch([a], [])), V2).resources[0];
    const rb = codec.decodeLazy(codec.encode(batch([b], [])), V2).resources[0];
    expect(rb).not.toBe(ra);
    expect(plain([ra as ResourceRecord, rb as ResourceRecord])).toEqual(plain([a, b]));
  });

  it('stays correct past its bound (more distinct records than it holds)', () => {
    const codec = new SpanBatchCodec();
    for (let n = 0; n < 3000; n++) {
      const original = batch([resource(n)], [scope(n)]);
      const decoded = codec.decodeLazy(codec.encode(original), V2);
      expect(plain(decoded.resources)).toEqual(plain(original.resources));
      expect(plain(decoded.scopes)).toEqual(plain(original.scopes));
    }
  });
});

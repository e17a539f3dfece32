import * as protobuf from 'protobufjs';
import type { AttrValue, AttributeReader, AttributeTableReader, TraceView } from '../trace-view';

/** The OTLP common.v1 messages needed to encode/decode a KeyValueList. */
const root = protobuf.Root.fromJSON({
  nested: {
    KeyValueList: { fields: { values: { rule: 'repeated', type: 'KeyValue', id: 1 } } },
    KeyValue: { fields: { key: { type: 'string', id: 1 }, value: { type: 'AnyValue', id: 2 } } },
    ArrayValue: { fields: { values: { rule: 'repeated', type: 'AnyValue', id: 1 } } },
    AnyValue: {
      oneofs: { value: { oneof: ['stringValue', 'boolValue', 'intValue', 'doubleValue', 'arrayValue', 'kvlistValue', 'bytesValue'] } },
      fields: {
        stringValue: { type: 'string', id: 1 },
        boolValue: { type: 'bool', id: 2 },
        intValue: { type: 'int64', id: 3 },
        doubleValue: { type: 'double', id: 4 },
        arrayValue: { type: 'ArrayValue', id: 5 },
        kvlistValue: { type: 'KeyValueList', id: 6 },
        bytesValue: { type: 'bytes', id: 7 },
      },
    },
  },
});
const KeyValueList = root.lookupType('KeyValueList');

/** A test attribute value: JS string/boolean/bigint (int), {double}, Buffer (bytes), array. */
export type TestAttr = string | boolean | bigint | { double: number } | Buffer | TestAttr[];

function toAny(v: TestAttr): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'bigint') return { intValue: v.toString() }; // fromObject parses int64 strings exactly
  if (Buffer.isBuffer(v)) return { bytesValue: v };
  if (Array.isArray(v)) return { arrayValue: { values: v.map(toAny) } };
  return { doubleValue: v.double };
}

/** Protobuf encoding of an OTLP KeyValueList. */
export function encodeAttributes(attrs: Record<string, TestAttr>): Buffer {
  const message = KeyValueList.fromObject({ values: Object.entries(attrs).map(([key, value]) => ({ key, value: toAny(value) })) });
  return Buffer.from(KeyValueList.encode(message).finish());
}

interface DecodedAny {
  value?: string;
  stringValue?: string;
  boolValue?: boolean;
  intValue?: { toString(): string } | number;
  doubleValue?: number;
  bytesValue?: Uint8Array;
  arrayValue?: { values?: unknown[] };
  kvlistValue?: unknown;
}

/** A tiny AttributeReader over protobufjs (the real one lives in @tailstream/otlp). Counts reads. */
export class ProtobufAttributeReader implements AttributeReader {
  reads = 0;

  get(buf: Buffer, key: string): AttrValue | undefined {
    this.reads++;
    const list = KeyValueList.decode(buf) as unknown as { values?: { key: string; value?: DecodedAny }[] };
    const kv = list.values?.find((entry) => entry.key === key);
    const v = kv?.value;
    if (v === undefined) return undefined;
    // decoded messages carry defaults on the prototype: the oneof says which field is set
    switch (v.value) {
      case 'stringValue':
        return { string: v.stringValue ?? '' };
      case 'boolValue':
        return { bool: v.boolValue ?? false };
      case 'intValue':
        return { int: BigInt((v.intValue ?? 0).toString()) };
      case 'doubleValue':
        return { double: v.doubleValue ?? 0 };
      case 'bytesValue':
        return { bytes: v.bytesValue ?? new Uint8Array() };
      case 'arrayValue':
        return { array: v.arrayValue?.values ?? [] };
      case 'kvlistValue':
        return { kvlist: v.kvlistValue };
    }
    return undefined;
  }
}

/** A span of a test trace. */
export interface TestSpan {
  status?: number;
  startMs?: number;
  endMs?: number;
  attrs?: Record<string, TestAttr>;
  traceState?: string;
  flags?: number;
  resource?: number;
}

/** A TraceView for policy tests: times in ms, attributes as plain objects. */
export function testTrace(options: {
  traceId?: Buffer;
  spans: TestSpan[];
  resources?: Record<string, TestAttr>[];
  bytes?: number;
  receivedAtMs?: number;
}): TraceView {
  const ms = (n: number) => BigInt(Math.round(n * 1e6));
  const spans = options.spans.map((s) => ({
    statusCode: s.status ?? 0,
    startTimeUnixNano: ms(s.startMs ?? 1_000),
    endTimeUnixNano: ms(s.endMs ?? s.startMs ?? 1_000),
    attributes: encodeAttributes(s.attrs ?? {}),
    traceState: s.traceState ?? '',
    flags: s.flags ?? 0,
    resourceIndex: s.resource ?? 0,
  }));
  const starts = spans.map((s) => s.startTimeUnixNano);
  const ends = spans.map((s) => s.endTimeUnixNano);
  return {
    traceId: options.traceId ?? Buffer.alloc(16, 7),
    spans,
    resources: (options.resources ?? [{}]).map((attrs) => ({ attributes: encodeAttributes(attrs) })),
    spanCount: spans.length,
    bytes: options.bytes ?? 100 * spans.length,
    startTimeUnixNano: starts.reduce((a, b) => (b < a ? b : a)),
    endTimeUnixNano: ends.reduce((a, b) => (b > a ? b : a)),
    receivedAtUnixNano: options.receivedAtMs === undefined ? 0n : ms(options.receivedAtMs),
  };
}

/** The same reader with getMany (one pass for several keys); counts both kinds of reads. */
export class BatchingProtobufAttributeReader extends ProtobufAttributeReader {
  manyReads = 0;

  getMany(buf: Buffer, keys: ReadonlySet<string>): Map<string, AttrValue> {
    this.manyReads++;
    const out = new Map<string, AttrValue>();
    for (const key of keys) {
      const value = this.get(buf, key);
      if (value !== undefined) out.set(key, value);
    }
    this.reads -= keys.size;
    return out;
  }
}

/** The same reader with compileKeys (all keys of a buffer in one readRow); counts rows and compilations. */
export class TableProtobufAttributeReader extends ProtobufAttributeReader {
  rowReads = 0;
  compiled: string[][] = [];

  compileKeys(keys: readonly string[]): AttributeTableReader {
    this.compiled.push([...keys]);
    return {
      readRow: (buf, table, row, rows) => {
        this.rowReads++;
        keys.forEach((key, k) => {
          const value = this.get(buf, key);
          if (value !== undefined) table[k * rows + row] = value;
        });
        this.reads -= keys.length;
      },
    };
  }
}

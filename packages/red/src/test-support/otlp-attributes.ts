/**
 * Test-only OTLP attribute codec built with protobufjs: encodes a plain record as the protobuf
 * `KeyValueList` the span model carries, and reads selected keys back (the AttributeReader the
 * aggregator is given in production by @tailstream/otlp).
 */
import * as protobuf from 'protobufjs';
import type { AttributeReader } from '../attribute-reader';

const PROTO = `
syntax = "proto3";
package opentelemetry.proto.common.v1;
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
`;

const root = protobuf.parse(PROTO, { keepCase: false }).root;
const KeyValueList = root.lookupType('opentelemetry.proto.common.v1.KeyValueList');

/** A test attribute value. */
export type TestAttributeValue = string | number | boolean;

/** Protobuf bytes of a KeyValueList holding `attributes` (integers as int_value, other numbers as double). */
export function encodeAttributes(attributes: Record<string, TestAttributeValue>): Buffer {
  const cacheKey = JSON.stringify(attributes);
  let encoded = encodedCache.get(cacheKey);
  if (encoded === undefined) {
    encoded = encodeUncached(attributes);
    encodedCache.set(cacheKey, encoded);
  }
  return encoded;
}

const encodedCache = new Map<string, Buffer>();

function encodeUncached(attributes: Record<string, TestAttributeValue>): Buffer {
  const values = Object.entries(attributes).map(([key, v]) => {
    if (typeof v === 'string') return { key, value: { stringValue: v } };
    if (typeof v === 'boolean') return { key, value: { boolValue: v } };
    return { key, value: Number.isInteger(v) ? { intValue: v } : { doubleValue: v } };
  });
  return Buffer.from(KeyValueList.encode(KeyValueList.fromObject({ values })).finish());
}

interface DecodedAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
}

/** Reads keys with protobufjs; counts calls so tests can prove attributes were (not) touched. */
export class ProtobufAttributeReader implements AttributeReader {
  calls = 0;

  getAttributes(buf: Buffer, keys: ReadonlySet<string>): Map<string, string> {
    this.calls++;
    const out = new Map<string, string>();
    if (buf.length === 0) return out;
    const decoded = KeyValueList.toObject(KeyValueList.decode(buf), { longs: String }) as {
      values?: { key: string; value?: DecodedAnyValue }[];
    };
    for (const kv of decoded.values ?? []) {
      if (!keys.has(kv.key) || out.has(kv.key) || kv.value === undefined) continue;
      const v = kv.value;
      if (v.stringValue !== undefined) out.set(kv.key, v.stringValue);
      else if (v.boolValue !== undefined) out.set(kv.key, String(v.boolValue));
      else if (v.intValue !== undefined) out.set(kv.key, v.intValue);
      else if (v.doubleValue !== undefined) out.set(kv.key, String(v.doubleValue));
    }
    return out;
  }
}

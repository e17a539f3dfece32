import type { KeyValue } from '@tailstream/otlp';

/** Builders for typed OTLP attributes (the `KeyValue` shape of @tailstream/otlp). */

export function strAttr(key: string, value: string): KeyValue {
  return { key, value: { string: value } };
}

export function intAttr(key: string, value: number): KeyValue {
  return { key, value: { int: BigInt(Math.trunc(value)) } };
}

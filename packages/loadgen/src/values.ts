import type { KeyValue } from '@tailstream/otlp';

/** Builders for typed OTLP attributes (the `KeyValue` shape of @tailstream/otlp). */

export function strAttr(key: string, value: string): KeyValue {
  return { key, value: { string: value } };
}

export function intAttr(key: string, value: number): KeyValue {
  return { key, value: { int: BigInt(Math.trunc(value)) } };
}

export function doubleAttr(key: string, value: number): KeyValue {
  return { key, value: { double: value } };
}

export function boolAttr(key: string, value: boolean): KeyValue {
  return { key, value: { bool: value } };
}

export function strArrayAttr(key: string, values: string[]): KeyValue {
  return { key, value: { array: values.map((v) => ({ string: v })) } };
}

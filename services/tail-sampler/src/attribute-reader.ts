import { AttributeRowReader, getAttribute, getAttributes } from '@tailstream/otlp';
import type { AttributeReader, AttrValue } from '@tailstream/sampling';

/**
 * Policies read attributes straight from the OTLP KeyValueList bytes: only the keys the active
 * policies name, all of them in one pass over each buffer (compileKeys; the engine uses it).
 */
export const otlpAttributeReader: AttributeReader = {
  get(buf, key) {
    const value = getAttribute(buf, key);
    if (value === undefined || 'empty' in value) return undefined;
    return value as AttrValue;
  },
  getMany(buf, keys) {
    const out = new Map<string, AttrValue>();
    for (const [key, value] of getAttributes(buf, keys)) if (!('empty' in value)) out.set(key, value as AttrValue);
    return out;
  },
  compileKeys(keys) {
    return new AttributeRowReader(keys);
  },
};

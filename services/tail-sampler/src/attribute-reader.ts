import { getAttribute } from '@tailstream/otlp';
import type { AttributeReader, AttrValue } from '@tailstream/sampling';

/** Policies read attributes straight from the OTLP KeyValueList bytes, one key at a time. */
export const otlpAttributeReader: AttributeReader = {
  get(buf, key) {
    const value = getAttribute(buf, key);
    if (value === undefined || 'empty' in value) return undefined;
    return value as AttrValue;
  },
};

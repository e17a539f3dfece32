import type { ResourceRecord, ScopeRecord } from '@tailstream/model';

/** Two resources are the same when every field, including the attribute bytes, is equal. */
export function sameResource(a: ResourceRecord, b: ResourceRecord): boolean {
  return (
    a === b ||
    (a.serviceName === b.serviceName &&
      a.droppedAttributesCount === b.droppedAttributesCount &&
      a.schemaUrl === b.schemaUrl &&
      a.attributes.equals(b.attributes))
  );
}

/** Two scopes are the same when every field, including the attribute bytes, is equal. */
export function sameScope(a: ScopeRecord, b: ScopeRecord): boolean {
  return (
    a === b ||
    (a.name === b.name &&
      a.version === b.version &&
      a.droppedAttributesCount === b.droppedAttributesCount &&
      a.schemaUrl === b.schemaUrl &&
      a.attributes.equals(b.attributes))
  );
}

/**
 * Index of `record` in `merged`, appending it when no equal record is there yet. Linear: a
 * trace has a handful of distinct resources and scopes.
 */
export function indexOfOrAppend<T>(merged: T[], record: T, same: (a: T, b: T) => boolean): number {
  for (let i = 0; i < merged.length; i++) {
    if (same(merged[i] as T, record)) return i;
  }
  merged.push(record);
  return merged.length - 1;
}

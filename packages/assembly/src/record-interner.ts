import type { ResourceRecord, ScopeRecord } from '@tailstream/model';

/** Distinct resources (and scopes) remembered per buffer at most. */
const MAX_INTERNED = 1024;

/**
 * Makes equal resources and scopes of different batches and traces share one object: every
 * batch carries its own decoded copy, while a partition sees a few hundred distinct ones.
 * Bounded; beyond the bound, records are used as they come.
 */
export class RecordInterner {
  private readonly resources = new Map<string, ResourceRecord>();
  private readonly scopes = new Map<string, ScopeRecord>();

  resource(record: ResourceRecord): ResourceRecord {
    const key = `${record.serviceName}\u0000${record.schemaUrl}\u0000${record.droppedAttributesCount}\u0000${record.attributes.toString('latin1')}`;
    return intern(this.resources, key, record);
  }

  scope(record: ScopeRecord): ScopeRecord {
    const key = `${record.name}\u0000${record.version}\u0000${record.schemaUrl}\u0000${record.droppedAttributesCount}\u0000${record.attributes.toString('latin1')}`;
    return intern(this.scopes, key, record);
  }

  clear(): void {
    this.resources.clear();
    this.scopes.clear();
  }
}

function intern<T>(map: Map<string, T>, key: string, record: T): T {
  const known = map.get(key);
  if (known !== undefined) return known;
  if (map.size < MAX_INTERNED) map.set(key, record);
  return record;
}

import type { ResourceRecord, ScopeRecord } from '@tailstream/model';
import { sameResource, sameScope } from './record-merge';

/** Distinct resources (and scopes) remembered per buffer at most. */
const MAX_INTERNED = 1024;

/**
 * Makes equal resources and scopes of different batches and traces share one object: every
 * batch carries its own decoded copy, while a partition sees a few hundred distinct ones.
 * Candidates are found by service name (scope name) and confirmed by comparing all fields and
 * the attribute bytes, so no key string is built per batch. Bounded; beyond the bound, records
 * are used as they come.
 */
export class RecordInterner {
  private readonly resources = new Map<string, ResourceRecord[]>();
  private readonly scopes = new Map<string, ScopeRecord[]>();
  private size = 0;

  resource(record: ResourceRecord): ResourceRecord {
    return this.intern(this.resources, record.serviceName, record, sameResource);
  }

  scope(record: ScopeRecord): ScopeRecord {
    return this.intern(this.scopes, record.name, record, sameScope);
  }

  clear(): void {
    this.resources.clear();
    this.scopes.clear();
    this.size = 0;
  }

  private intern<T>(map: Map<string, T[]>, name: string, record: T, same: (a: T, b: T) => boolean): T {
    const candidates = map.get(name);
    if (candidates !== undefined) {
      for (let i = 0; i < candidates.length; i++) {
        const candidate = candidates[i] as T;
        if (same(candidate, record)) return candidate;
      }
    }
    if (this.size < MAX_INTERNED) {
      if (candidates === undefined) map.set(name, [record]);
      else candidates.push(record);
      this.size++;
    }
    return record;
  }
}

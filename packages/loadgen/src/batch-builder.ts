import type { ResourceRecord, ScopeRecord, SpanBatch, SpanRecord } from '@tailstream/model';
import type { EmittedSpan } from './span-records';

/**
 * Builds the SpanBatch for some spans of one trace: resources and scopes deduplicated (by
 * identity: the generator shares one object per service instance / scope), indices set.
 * The span records are used as they are (their indices are set here), so each EmittedSpan must go
 * into exactly one batch.
 */
export function buildBatch(traceId: Buffer, spans: readonly EmittedSpan[]): SpanBatch {
  const resources: ResourceRecord[] = [];
  const scopes: ScopeRecord[] = [];
  const resourceIndex = new Map<ResourceRecord, number>();
  const scopeIndex = new Map<ScopeRecord, number>();
  const records: SpanRecord[] = [];
  for (const s of spans) {
    let r = resourceIndex.get(s.resource);
    if (r === undefined) {
      r = resources.length;
      resources.push(s.resource);
      resourceIndex.set(s.resource, r);
    }
    let sc = scopeIndex.get(s.scope);
    if (sc === undefined) {
      sc = scopes.length;
      scopes.push(s.scope);
      scopeIndex.set(s.scope, sc);
    }
    s.record.resourceIndex = r;
    s.record.scopeIndex = sc;
    records.push(s.record);
  }
  return { traceId, resources, scopes, spans: records, receivedAtUnixNano: 0n };
}

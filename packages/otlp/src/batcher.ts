import type { ResourceRecord, ScopeRecord, SpanBatch, SpanRecord } from '@tailstream/model';

interface BatchBuilder {
  batch: SpanBatch;
  /** Request-level ordinal of each entry of batch.resources / batch.scopes. */
  resourceOrdinals: number[];
  scopeOrdinals: number[];
  /** Next builder whose trace ID has the same hash. */
  next: BatchBuilder | undefined;
}

/**
 * Groups the accepted spans of one request into one SpanBatch per trace ID, in order of first
 * appearance. Each batch lists only the resources and scopes its spans use (the same record
 * objects the request produced, shared between batches), and the spans' resourceIndex/scopeIndex
 * point into those lists.
 *
 * Trace IDs are looked up by a 32-bit hash of their bytes read in place (no string keys, no
 * Buffer per span); equal hashes are told apart by comparing the bytes.
 */
export class TraceBatcher {
  private readonly byHash = new Map<number, BatchBuilder>();
  private readonly builders: BatchBuilder[] = [];
  private last: BatchBuilder | undefined;

  constructor(
    private readonly body: Buffer,
    private readonly receivedAtUnixNano: bigint,
  ) {}

  /**
   * Adds a span of the trace whose 16-byte ID is at body[traceIdStart..+16]; its resourceIndex
   * and scopeIndex are set here.
   */
  add(
    traceIdStart: number,
    span: SpanRecord,
    resource: ResourceRecord,
    resourceOrdinal: number,
    scope: ScopeRecord,
    scopeOrdinal: number,
  ): void {
    const body = this.body;
    let b = this.last;
    if (b === undefined || !sameId(b.batch.traceId, body, traceIdStart)) {
      // Kept within 30 bits so it stays a small integer (V8 Smi): fast Map keys, no deopts.
      const hash =
        (body.readInt32LE(traceIdStart) ^
          body.readInt32LE(traceIdStart + 4) ^
          body.readInt32LE(traceIdStart + 8) ^
          body.readInt32LE(traceIdStart + 12)) &
        0x3fffffff;
      const head = this.byHash.get(hash);
      b = head;
      while (b !== undefined && !sameId(b.batch.traceId, body, traceIdStart)) b = b.next;
      if (b === undefined) {
        b = {
          batch: {
            traceId: body.subarray(traceIdStart, traceIdStart + 16),
            resources: [],
            scopes: [],
            spans: [],
            receivedAtUnixNano: this.receivedAtUnixNano,
          },
          resourceOrdinals: [],
          scopeOrdinals: [],
          next: head,
        };
        this.byHash.set(hash, b);
        this.builders.push(b);
      }
      this.last = b;
    }
    span.resourceIndex = localIndex(b.resourceOrdinals, b.batch.resources, resourceOrdinal, resource);
    span.scopeIndex = localIndex(b.scopeOrdinals, b.batch.scopes, scopeOrdinal, scope);
    b.batch.spans.push(span);
  }

  /** The batches built so far. */
  batches(): SpanBatch[] {
    return this.builders.map((b) => b.batch);
  }
}

function localIndex<T>(ordinals: number[], records: T[], ordinal: number, record: T): number {
  const n = ordinals.length;
  if (n > 0 && ordinals[n - 1] === ordinal) return n - 1;
  for (let i = n - 2; i >= 0; i--) if (ordinals[i] === ordinal) return i;
  ordinals.push(ordinal);
  records.push(record);
  return n;
}

function sameId(id: Buffer, body: Buffer, start: number): boolean {
  for (let i = 0; i < 16; i++) if (id[i] !== body[start + i]) return false;
  return true;
}

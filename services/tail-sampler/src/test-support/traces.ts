import type { ResourceRecord, ScopeRecord, SpanBatch, SpanRecord } from '@tailstream/model';
import { toHex, UNKNOWN_SERVICE } from '@tailstream/model';
import { encodeKeyValueList } from '@tailstream/otlp';

/** What a test trace looks like; the generator is deterministic for a given spec. */
export interface TraceSpec {
  /** Distinguishes the traces of one test run (goes into the trace and span IDs). */
  index: number;
  /** Distinguishes groups of traces (goes into the trace ID). */
  seed: number;
  /** Spans of the trace; span 0 is the root. */
  spanCount: number;
  /** Span indices with status ERROR (default: none). */
  errorSpans?: readonly number[];
  /** Span i belongs to services[i % length] (default: one service). */
  services?: readonly string[];
  /** Span batches (Kafka records) the spans are split into: children first, the root in the last one (default 1). */
  records?: number;
}

/** A generated trace: its Kafka records and what the sampler should make of it. */
export interface TestTrace {
  spec: TraceSpec;
  traceId: Buffer;
  hex: string;
  /** In production order (root last). */
  batches: SpanBatch[];
  /** spanKey() of every span. */
  spanKeys: Set<string>;
  errorCount: number;
  rootService: string;
  rootName: string;
  /** Distinct services, sorted. */
  services: string[];
}

const SCOPE: ScopeRecord = { name: 'sampler-it', version: '1.0.0', attributes: Buffer.alloc(0), droppedAttributesCount: 0, schemaUrl: '' };

function traceIdOf(seed: number, index: number): Buffer {
  const id = Buffer.alloc(16);
  id.writeUInt32BE(seed >>> 0, 0);
  id.writeUInt32BE(0x5a17e57a, 4);
  id.writeUInt32BE(index >>> 0, 12);
  return id;
}

function spanIdOf(index: number, span: number): Buffer {
  const id = Buffer.alloc(8);
  id.writeUInt32BE((index + 1) >>> 0, 0);
  id.writeUInt32BE((span + 1) >>> 0, 4);
  return id;
}

function resourceOf(service: string): ResourceRecord {
  return {
    serviceName: service,
    attributes: encodeKeyValueList([
      { key: 'service.name', value: { string: service } },
      { key: 'host.name', value: { string: 'it-host' } },
    ]),
    droppedAttributesCount: 0,
    schemaUrl: '',
  };
}

interface SpanDraft {
  span: SpanRecord;
  service: string;
}

function spanDraft(spec: TraceSpec, s: number, baseNs: bigint): SpanDraft {
  const services = spec.services ?? ['svc-a'];
  const service = services[s % services.length] ?? UNKNOWN_SERVICE;
  const isRoot = s === 0;
  const error = spec.errorSpans?.includes(s) ?? false;
  const start = isRoot ? baseNs : baseNs + BigInt(s) * 1_000_000n;
  const end = isRoot ? baseNs + 100_000_000n + BigInt(spec.spanCount) * 1_000_000n : start + 750_000n;
  return {
    service,
    span: {
      spanId: spanIdOf(spec.index, s),
      parentSpanId: isRoot ? Buffer.alloc(0) : spanIdOf(spec.index, 0),
      traceState: '',
      flags: 1,
      name: isRoot ? `GET /orders/${spec.index}` : `child-${s}`,
      kind: isRoot ? 2 : 3,
      startTimeUnixNano: start,
      endTimeUnixNano: end,
      statusCode: error ? 2 : 0,
      statusMessage: error ? 'failed' : '',
      resourceIndex: 0,
      scopeIndex: 0,
      attributes: encodeKeyValueList([
        { key: 'test.trace', value: { int: BigInt(spec.index) } },
        { key: 'test.span', value: { string: `${spec.seed}-${spec.index}-${s}` } },
      ]),
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
    },
  };
}

/** One SpanBatch of a trace from span drafts (resources deduplicated, indices set). */
function batchOf(traceId: Buffer, drafts: readonly SpanDraft[]): SpanBatch {
  const resources: ResourceRecord[] = [];
  const byService = new Map<string, number>();
  const spans = drafts.map(({ span, service }) => {
    let index = byService.get(service);
    if (index === undefined) {
      index = resources.length;
      resources.push(resourceOf(service));
      byService.set(service, index);
    }
    return { ...span, resourceIndex: index, scopeIndex: 0 };
  });
  return { traceId, resources, scopes: [SCOPE], spans, receivedAtUnixNano: BigInt(Date.now()) * 1_000_000n };
}

/** Comparable identity of a span in a batch: IDs, name, service, status, times and attribute bytes. */
export function spanKey(batch: SpanBatch, span: SpanRecord): string {
  const service = batch.resources[span.resourceIndex]?.serviceName ?? UNKNOWN_SERVICE;
  return [
    toHex(span.spanId),
    toHex(span.parentSpanId),
    span.name,
    service,
    span.statusCode,
    span.startTimeUnixNano,
    span.endTimeUnixNano,
    span.attributes.toString('hex'),
  ].join('|');
}

/** Builds a trace: children spread over the first `records - 1` batches, the root in the last one. */
export function makeTrace(spec: TraceSpec): TestTrace {
  const traceId = traceIdOf(spec.seed, spec.index);
  const baseNs = BigInt(Date.now() - 5000) * 1_000_000n;
  const drafts = Array.from({ length: spec.spanCount }, (_, s) => spanDraft(spec, s, baseNs));
  const records = Math.max(1, Math.min(spec.records ?? 1, spec.spanCount));
  const children = drafts.slice(1);
  const groups: SpanDraft[][] = Array.from({ length: records }, () => []);
  // Children round-robin over the first records - 1 batches; the root (and leftovers when records = 1) in the last.
  children.forEach((d, i) => groups[records === 1 ? 0 : i % (records - 1)]!.push(d));
  groups[records - 1]!.push(drafts[0]!);
  const batches = groups.filter((g) => g.length > 0).map((g) => batchOf(traceId, g));
  const spanKeys = new Set<string>();
  for (const b of batches) for (const s of b.spans) spanKeys.add(spanKey(b, s));
  const services = [...new Set(drafts.map((d) => d.service))].sort();
  return {
    spec,
    traceId,
    hex: toHex(traceId),
    batches,
    spanKeys,
    errorCount: drafts.filter((d) => d.span.statusCode === 2).length,
    rootService: drafts[0]!.service,
    rootName: drafts[0]!.span.name,
    services,
  };
}

/** A batch of `count` spans of an existing trace that it did not have before (children of its root). */
export function lateBatch(trace: TestTrace, count: number, firstNewSpan = trace.spec.spanCount + 10): SpanBatch {
  const baseNs = BigInt(Date.now() - 5000) * 1_000_000n;
  const drafts = Array.from({ length: count }, (_, i) =>
    spanDraft({ ...trace.spec, spanCount: firstNewSpan + count, errorSpans: [] }, firstNewSpan + i, baseNs),
  );
  return batchOf(trace.traceId, drafts);
}

/** Span keys of a batch. */
export function batchSpanKeys(batch: SpanBatch): string[] {
  return batch.spans.map((s) => spanKey(batch, s));
}

import { StatusCode, type ResourceRecord, type ScopeRecord, type SpanBatch, type SpanRecord } from '@tailstream/model';

/** Deterministic PRNG (mulberry32): same seed, same sequence. */
export { mulberry32 as rng } from '@tailstream/test-harness/random';

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function shuffle<T>(r: () => number, items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

export function traceIdOf(n: number): Buffer {
  const id = Buffer.alloc(16);
  id.writeUInt32BE(n >>> 0, 12);
  id[0] = 0xab;
  return id;
}

export function spanIdOf(n: number): Buffer {
  const id = Buffer.alloc(8);
  id.writeUInt32BE(n >>> 0, 4);
  id[0] = 0x5a;
  return id;
}

export function resource(serviceName: string, attributes: Buffer = Buffer.from(serviceName)): ResourceRecord {
  return { serviceName, attributes, droppedAttributesCount: 0, schemaUrl: '' };
}

export function scope(name: string, version = '1.0.0'): ScopeRecord {
  return { name, version, attributes: Buffer.alloc(0), droppedAttributesCount: 0, schemaUrl: '' };
}

export interface SpanSpec {
  id: number;
  parent?: number;
  name?: string;
  startNs?: bigint;
  endNs?: bigint;
  status?: StatusCode;
  resourceIndex?: number;
  scopeIndex?: number;
  attributes?: Buffer;
  events?: Buffer[];
  links?: Buffer[];
  traceState?: string;
}

export function span(spec: SpanSpec): SpanRecord {
  return {
    spanId: spanIdOf(spec.id),
    parentSpanId: spec.parent === undefined ? Buffer.alloc(0) : spanIdOf(spec.parent),
    traceState: spec.traceState ?? '',
    flags: 1,
    name: spec.name ?? `op-${spec.id}`,
    kind: 2,
    startTimeUnixNano: spec.startNs ?? 1_000n,
    endTimeUnixNano: spec.endNs ?? 2_000n,
    statusCode: spec.status ?? StatusCode.Unset,
    statusMessage: '',
    resourceIndex: spec.resourceIndex ?? 0,
    scopeIndex: spec.scopeIndex ?? 0,
    attributes: spec.attributes ?? Buffer.from(`attrs-${spec.id}`),
    droppedAttributesCount: 0,
    events: spec.events ?? [],
    droppedEventsCount: 0,
    links: spec.links ?? [],
    droppedLinksCount: 0,
  };
}

/** A one-resource, one-scope batch. */
export function batchOf(traceN: number, spans: SpanRecord[], serviceName = 'svc', receivedAtUnixNano = 0n): SpanBatch {
  return { traceId: traceIdOf(traceN), resources: [resource(serviceName)], scopes: [scope('lib')], spans, receivedAtUnixNano };
}

/** A logical span of a generated trace: the span fields plus the records it belongs to. */
export interface LogicalSpan {
  spec: SpanSpec;
  resource: ResourceRecord;
  scope: ScopeRecord;
}

/** A random trace: one root (unless rootless), parent links to earlier spans, several services and scopes. */
export function randomTrace(r: () => number, options: { spans: number; rootless?: boolean }): LogicalSpan[] {
  const resources = Array.from({ length: randInt(r, 1, 4) }, (_, i) => resource(`service-${i}`, Buffer.from([i, 1, 2, 3])));
  const scopes = Array.from({ length: randInt(r, 1, 3) }, (_, i) => scope(`scope-${i}`, `${i}.0`));
  const out: LogicalSpan[] = [];
  for (let i = 0; i < options.spans; i++) {
    const start = BigInt(1_000_000 + randInt(r, 0, 5_000_000));
    const isRoot = i === 0 && !options.rootless;
    out.push({
      spec: {
        id: 1000 + i,
        parent: isRoot ? undefined : i === 0 ? 99_999 : 1000 + randInt(r, 0, i - 1),
        name: `op-${randInt(r, 0, 5)}`,
        startNs: start,
        endNs: start + BigInt(randInt(r, 0, 3_000_000)),
        status: [StatusCode.Unset, StatusCode.Ok, StatusCode.Error][randInt(r, 0, 2)] as StatusCode,
        attributes: Buffer.from(`a${i}-${randInt(r, 0, 1e6)}`),
        events: r() < 0.3 ? [Buffer.from(`event-${i}`)] : [],
      },
      resource: resources[randInt(r, 0, resources.length - 1)] as ResourceRecord,
      scope: scopes[randInt(r, 0, scopes.length - 1)] as ScopeRecord,
    });
  }
  return out;
}

/**
 * Delivers a logical trace as batches the way ingest + Kafka could: random grouping, random
 * order, each batch with its own (shuffled) resource/scope lists and fresh span objects, and
 * whole or partial batches delivered again with probability `duplicateRate`.
 */
export function randomDeliveries(r: () => number, traceN: number, spans: LogicalSpan[], duplicateRate: number): SpanBatch[] {
  const order = shuffle(r, [...spans]);
  const groups: LogicalSpan[][] = [];
  for (let i = 0; i < order.length;) {
    const size = randInt(r, 1, Math.max(1, Math.min(8, order.length - i)));
    groups.push(order.slice(i, i + size));
    i += size;
  }
  const deliveries: LogicalSpan[][] = [];
  for (const group of groups) {
    deliveries.push(group);
    if (r() < duplicateRate) deliveries.push(r() < 0.5 ? group : group.filter(() => r() < 0.5));
  }
  return shuffle(r, deliveries)
    .filter((g) => g.length > 0)
    .map((group) => toBatch(r, traceN, group));
}

function toBatch(r: () => number, traceN: number, group: LogicalSpan[]): SpanBatch {
  const resources = shuffle(r, [...new Set(group.map((s) => s.resource))]).map((res) => ({
    ...res,
    attributes: Buffer.from(res.attributes),
  }));
  const scopes = shuffle(r, [...new Set(group.map((s) => s.scope))]).map((sc) => ({ ...sc }));
  const spans = group.map((s) =>
    span({
      ...s.spec,
      resourceIndex: resources.findIndex((res) => res.serviceName === s.resource.serviceName),
      scopeIndex: scopes.findIndex((sc) => sc.name === s.scope.name),
    }),
  );
  return { traceId: traceIdOf(traceN), resources, scopes, spans, receivedAtUnixNano: BigInt(randInt(r, 1, 9)) };
}

/** A canonical, order-free description of an assembled trace (one line per span, sorted). */
export function canonical(trace: {
  spans: readonly SpanRecord[];
  resources: readonly ResourceRecord[];
  scopes: readonly ScopeRecord[];
}): string[] {
  return trace.spans
    .map((s) => {
      const res = trace.resources[s.resourceIndex];
      const sc = trace.scopes[s.scopeIndex];
      return [
        s.spanId.toString('hex'),
        s.parentSpanId.toString('hex'),
        s.name,
        s.startTimeUnixNano,
        s.endTimeUnixNano,
        s.statusCode,
        s.attributes.toString('hex'),
        s.events.map((e) => e.toString('hex')).join('+'),
        res?.serviceName,
        res?.attributes.toString('hex'),
        sc?.name,
        sc?.version,
      ].join('|');
    })
    .sort();
}

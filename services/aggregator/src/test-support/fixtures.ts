import { encodeKeyValueList, otlpRoot, OTLP_TYPES, type KeyValue } from '@tailstream/otlp';
import type { KeptSpanBatch, ResourceRecord, SpanBatch, SpanRecord, TraceSummary } from '@tailstream/model';

/**
 * Deterministic span fixtures for the aggregator's integration tests: traces with known service,
 * name, kind, status and duration per span, start times in chosen event-time buckets, attributes,
 * events and links as real OTLP protobuf bytes, and the string each attribute must become in
 * ClickHouse (the Collector's AsString rule), so expectations are written down, not recomputed
 * with the code under test.
 */

/** 2026-01-01T00:00:00Z: a bucket-aligned event-time origin for every fixture. */
export const BASE_SEC = 1_767_225_600;
export const BASE_NS = BigInt(BASE_SEC) * 1_000_000_000n;

/** An attribute as sent (OTLP) and as it must read back from a Map(String, String) column. */
export interface ExpectedAttribute {
  kv: KeyValue;
  asString: string;
}

/** A generated span with what the tests need to predict its rows. */
export interface FixtureSpan {
  record: SpanRecord;
  service: string;
  resourceAttributes: Record<string, string>;
  spanAttributes: Record<string, string>;
  events: { timeUnixNano: bigint; name: string; attributes: Record<string, string> }[];
  links: { traceId: string; spanId: string; traceState: string; attributes: Record<string, string> }[];
  scopeName: string;
  scopeVersion: string;
}

/** A generated trace: its messages (span batches), the partition to produce them to, its spans. */
export interface FixtureTrace {
  hex: string;
  traceId: Buffer;
  partition: number;
  batches: SpanBatch[];
  spans: FixtureSpan[];
}

/** Small deterministic PRNG (mulberry32). */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)] as T;
  }
}

/** Durations (ns) to draw from: sub-ms, exactly on histogram bounds, between bounds, beyond the last. */
export const DURATION_CHOICES_NS: readonly bigint[] = [
  300_000n, // 0.3 ms
  2_000_000n, // exactly 2 ms (a bound)
  2_000_001n,
  4_999_999n,
  5_000_000n, // exactly 5 ms
  7_250_000n,
  10_000_000n, // exactly 10 ms
  42_123_456n,
  99_999_999n,
  250_000_000n,
  1_500_000_000n,
  20_000_000_000n, // 20 s: beyond every bound
];

/** The explicit histogram bounds (ms) the tests configure. */
export const TEST_BOUNDS_MS: readonly number[] = [2, 5, 10, 50, 100, 500, 1000, 5000];

const STRING = (key: string, value: string): ExpectedAttribute => ({ kv: { key, value: { string: value } }, asString: value });

function resource(service: string, host: string): { record: ResourceRecord; expected: Record<string, string> } {
  const attrs: ExpectedAttribute[] = [
    STRING('service.name', service),
    STRING('host.name', host),
    { kv: { key: 'process.pid', value: { int: 4242n } }, asString: '4242' },
  ];
  return {
    record: { serviceName: service, attributes: encodeKeyValueList(attrs.map((a) => a.kv)), droppedAttributesCount: 0, schemaUrl: '' },
    expected: Object.fromEntries(attrs.map((a) => [a.kv.key, a.asString])),
  };
}

interface SpanPlan {
  service: string;
  name: string;
  kind: number;
  parent: number | undefined;
  /** Whether this span goes to the trace's second message (split traces only). */
  second?: boolean;
}

/**
 * The span layout of one trace: frontend server → frontend client → checkout server (an edge),
 * checkout DB client (no partner), checkout producer → payments consumer (a messaging edge), and
 * an internal span. Smaller traces take a prefix of it.
 */
const LAYOUT: readonly SpanPlan[] = [
  { service: 'frontend', name: 'GET /home', kind: 2, parent: undefined },
  { service: 'frontend', name: 'HTTP POST', kind: 3, parent: 0 },
  { service: 'checkout', name: 'POST /checkout', kind: 2, parent: 1 },
  { service: 'checkout', name: 'SELECT orders', kind: 3, parent: 2, second: true },
  { service: 'checkout', name: 'publish order', kind: 4, parent: 2 },
  { service: 'payments', name: 'consume order', kind: 5, parent: 4 },
  { service: 'payments', name: 'charge', kind: 1, parent: 5, second: true },
];

export interface TraceOptions {
  seed: number;
  /** Trace index: makes the IDs unique within a seed. */
  index: number;
  /** Start of the trace's root span, ns. */
  startNs: bigint;
  partition: number;
  /** Spans 1..LAYOUT.length (default: 3 + index % 5). */
  spanCount?: number;
  /** Send the spans marked `second` in a second message. */
  split?: boolean;
}

const ROOT_NAMES = ['GET /home', 'GET /cart', 'POST /checkout'];

/** Builds one trace with IDs derived from (seed, index). */
export function makeTrace(options: TraceOptions): FixtureTrace {
  const rng = new Prng(options.seed * 1_000_003 + options.index);
  const traceId = Buffer.alloc(16);
  traceId.writeUInt32BE(0xa66e0000 + (options.seed & 0xffff), 0);
  traceId.writeUInt32BE(options.index + 1, 12);
  traceId.writeUInt32BE(rng.int(0xffffffff), 8);
  const hex = traceId.toString('hex');
  const count = Math.min(LAYOUT.length, options.spanCount ?? 3 + (options.index % 5));
  const services = [...new Set(LAYOUT.slice(0, count).map((p) => p.service))];
  const resources = services.map((s) => resource(s, `host-${options.index % 2}`));
  const scopes = [
    { name: 'tailstream-test', version: '1.2.3', attributes: Buffer.alloc(0), droppedAttributesCount: 0, schemaUrl: '' },
  ];
  const spanIds = LAYOUT.slice(0, count).map((_, s) => {
    const id = Buffer.alloc(8);
    id.writeUInt32BE(options.index + 1, 0);
    id.writeUInt32BE(((options.seed & 0xfff) << 8) | (s + 1), 4);
    return id;
  });

  const spans: FixtureSpan[] = [];
  const first: SpanRecord[] = [];
  const second: SpanRecord[] = [];
  for (let s = 0; s < count; s++) {
    const plan = LAYOUT[s] as SpanPlan;
    const name = s === 0 ? (ROOT_NAMES[options.index % ROOT_NAMES.length] as string) : plan.name;
    const start = options.startNs + BigInt(s) * 1_000_000n;
    const duration = rng.pick(DURATION_CHOICES_NS);
    const roll = rng.int(10);
    const statusCode = roll < 2 ? 2 : roll < 4 ? 1 : 0;
    const attrs: ExpectedAttribute[] = [
      STRING('http.request.method', s % 2 === 0 ? 'GET' : 'POST'),
      { kv: { key: 'http.response.status_code', value: { int: statusCode === 2 ? 500n : 200n } }, asString: statusCode === 2 ? '500' : '200' },
      { kv: { key: 'retry', value: { bool: s === 3 } }, asString: s === 3 ? 'true' : 'false' },
      { kv: { key: 'ratio', value: { double: 0.25 * (s + 1) } }, asString: String(0.25 * (s + 1)) },
      { kv: { key: 'tags', value: { array: [{ string: 'a' }, { int: 7n }] } }, asString: '["a",7]' },
    ];
    const events: FixtureSpan['events'] = [];
    const links: FixtureSpan['links'] = [];
    const eventBytes: Buffer[] = [];
    const linkBytes: Buffer[] = [];
    if (s === 0) {
      const at = start + 123_456n;
      eventBytes.push(encodeEvent(at, 'cache miss', [STRING('cache.key', `k-${options.index}`)]));
      events.push({ timeUnixNano: at, name: 'cache miss', attributes: { 'cache.key': `k-${options.index}` } });
    }
    if (s === 1) {
      const linkTrace = Buffer.alloc(16, 0x11);
      const linkSpan = Buffer.alloc(8, 0x22);
      linkBytes.push(encodeLink(linkTrace, linkSpan, 'vendor=x', [STRING('link.kind', 'follows')]));
      links.push({ traceId: linkTrace.toString('hex'), spanId: linkSpan.toString('hex'), traceState: 'vendor=x', attributes: { 'link.kind': 'follows' } });
    }
    const record: SpanRecord = {
      spanId: spanIds[s] as Buffer,
      parentSpanId: plan.parent === undefined ? Buffer.alloc(0) : (spanIds[plan.parent] as Buffer),
      traceState: '',
      flags: 1,
      name,
      kind: plan.kind,
      startTimeUnixNano: start,
      endTimeUnixNano: start + duration,
      statusCode,
      statusMessage: statusCode === 2 ? `failure ${s}` : '',
      resourceIndex: services.indexOf(plan.service),
      scopeIndex: 0,
      attributes: encodeKeyValueList(attrs.map((a) => a.kv)),
      droppedAttributesCount: 0,
      events: eventBytes,
      droppedEventsCount: 0,
      links: linkBytes,
      droppedLinksCount: 0,
    };
    (options.split && plan.second ? second : first).push(record);
    spans.push({
      record,
      service: plan.service,
      resourceAttributes: (resources[services.indexOf(plan.service)] as { expected: Record<string, string> }).expected,
      spanAttributes: Object.fromEntries(attrs.map((a) => [a.kv.key, a.asString])),
      events,
      links,
      scopeName: 'tailstream-test',
      scopeVersion: '1.2.3',
    });
  }
  const batch = (records: SpanRecord[]): SpanBatch => ({
    traceId,
    resources: resources.map((r) => r.record),
    scopes,
    spans: records,
    receivedAtUnixNano: 0n,
  });
  const batches = [batch(first)];
  if (second.length > 0) batches.push(batch(second));
  return { hex, traceId, partition: options.partition, batches, spans };
}

function otlpAttributes(attrs: ExpectedAttribute[]): { key: string; value: { stringValue: string } }[] {
  return attrs.map((a) => ({ key: a.kv.key, value: { stringValue: a.asString } }));
}

function encodeEvent(timeUnixNano: bigint, name: string, attrs: ExpectedAttribute[]): Buffer {
  const type = otlpRoot().lookupType(OTLP_TYPES.event);
  return Buffer.from(type.encode(type.fromObject({ timeUnixNano: timeUnixNano.toString(), name, attributes: otlpAttributes(attrs) })).finish());
}

function encodeLink(traceId: Buffer, spanId: Buffer, traceState: string, attrs: ExpectedAttribute[]): Buffer {
  const type = otlpRoot().lookupType(OTLP_TYPES.link);
  return Buffer.from(type.encode(type.fromObject({ traceId, spanId, traceState, attributes: otlpAttributes(attrs) })).finish());
}

/** The decision attached to kept spans in the fixtures. */
export const KEPT_DECISION = { policy: 'errors-and-slow', policyVersion: 'pv-5f3a', adjustedCount: 4 } as const;

/** The trace's messages as the tail-sampler writes them to the sampled topic. */
export function keptBatchesOf(trace: FixtureTrace): KeptSpanBatch[] {
  return trace.batches.map((batch) => ({
    decision: {
      traceId: trace.traceId,
      sampled: true,
      policy: KEPT_DECISION.policy,
      policyVersion: KEPT_DECISION.policyVersion,
      adjustedCount: KEPT_DECISION.adjustedCount,
      spanCount: trace.spans.length,
      decidedAtUnixMs: 1_767_225_999_000n,
    },
    batch,
  }));
}

/** A summary for the trace, as the tail-sampler would write it. */
export function summaryOf(trace: FixtureTrace): TraceSummary {
  const records = trace.spans.map((s) => s.record);
  const start = records.reduce((m, r) => (r.startTimeUnixNano < m ? r.startTimeUnixNano : m), records[0]!.startTimeUnixNano);
  const end = records.reduce((m, r) => (r.endTimeUnixNano > m ? r.endTimeUnixNano : m), 0n);
  const root = trace.spans[0]!;
  return {
    traceId: trace.traceId,
    startTimeUnixNano: start,
    durationNano: end - start,
    spanCount: records.length,
    errorCount: records.filter((r) => r.statusCode === 2).length,
    rootServiceName: root.service,
    rootSpanName: root.record.name,
    services: [...new Set(trace.spans.map((s) => s.service))].sort(),
    policy: KEPT_DECISION.policy,
    policyVersion: KEPT_DECISION.policyVersion,
    adjustedCount: KEPT_DECISION.adjustedCount,
  };
}

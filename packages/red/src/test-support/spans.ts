/** Test-only builders of span batches with readable defaults. */
import { SpanKind, StatusCode, type SpanBatch, type SpanRecord } from '@tailstream/model';
import { encodeAttributes, type TestAttributeValue } from './otlp-attributes';

/** 2026-01-01T00:00:00Z in ns: bucket-aligned for any width dividing a day. */
export const T0 = 1_767_225_600_000_000_000n;
export const MS = 1_000_000n;
export const SEC = 1_000_000_000n;

export interface TestSpan {
  service?: string;
  name?: string;
  kind?: SpanKind;
  status?: StatusCode;
  /** Start, ns since the epoch (default T0). */
  start?: bigint;
  /** Duration in ns (default 1 ms). */
  duration?: bigint;
  spanId?: number;
  parentSpanId?: number;
  attributes?: Record<string, TestAttributeValue>;
  resourceAttributes?: Record<string, TestAttributeValue>;
}

/** 8-byte span ID from a number (0 → empty: no parent). */
export function spanIdOf(n: number): Buffer {
  if (n === 0) return Buffer.alloc(0);
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

/** 16-byte trace ID from a number. */
export function traceIdOf(n: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeBigUInt64BE(BigInt(n), 8);
  b[0] = 1;
  return b;
}

/** A batch of spans of trace `trace`; one resource per distinct (service, resource attributes). */
export function batchOf(trace: number, spans: TestSpan[]): SpanBatch {
  const resources: SpanBatch['resources'] = [];
  const resourceIndex = new Map<string, number>();
  let nextSpanId = trace * 1000 + 1;
  const records: SpanRecord[] = spans.map((s) => {
    const service = s.service ?? 'svc';
    const resourceKey = JSON.stringify([service, s.resourceAttributes ?? {}]);
    let index = resourceIndex.get(resourceKey);
    if (index === undefined) {
      index = resources.length;
      resourceIndex.set(resourceKey, index);
      resources.push({
        serviceName: service,
        attributes: encodeAttributes({ 'service.name': service, ...(s.resourceAttributes ?? {}) }),
        droppedAttributesCount: 0,
        schemaUrl: '',
      });
    }
    const start = s.start ?? T0;
    return {
      spanId: spanIdOf(s.spanId ?? nextSpanId++),
      parentSpanId: spanIdOf(s.parentSpanId ?? 0),
      traceState: '',
      flags: 1,
      name: s.name ?? 'op',
      kind: s.kind ?? SpanKind.Server,
      startTimeUnixNano: start,
      endTimeUnixNano: start + (s.duration ?? MS),
      statusCode: s.status ?? StatusCode.Unset,
      statusMessage: '',
      resourceIndex: index,
      scopeIndex: 0,
      attributes: s.attributes === undefined ? Buffer.alloc(0) : encodeAttributes(s.attributes),
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
    };
  });
  return {
    traceId: traceIdOf(trace),
    resources,
    scopes: [{ name: 'test', version: '1', attributes: Buffer.alloc(0), droppedAttributesCount: 0, schemaUrl: '' }],
    spans: records,
    receivedAtUnixNano: 0n,
  };
}

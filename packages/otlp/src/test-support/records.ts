import type { ResourceRecord, ScopeRecord, SpanBatch, SpanRecord } from '@tailstream/model';
import { encodeKeyValueList } from '../attributes';
import type { KeyValue } from '../any-value';

/** Hand-made span batches for tests (encode them with encodeExportTraceServiceRequest). */

export const NOW_NS = 1_700_000_000_000_000_000n;
export const SECOND_NS = 1_000_000_000n;

export const traceIdOf = (n: number): Buffer => Buffer.from(n.toString(16).padStart(32, '0'), 'hex');
export const spanIdOf = (n: number): Buffer => Buffer.from(n.toString(16).padStart(16, '0'), 'hex');

export function resource(serviceName: string, extra: KeyValue[] = []): ResourceRecord {
  return {
    serviceName,
    attributes: encodeKeyValueList([{ key: 'service.name', value: { string: serviceName } }, ...extra]),
    droppedAttributesCount: 0,
    schemaUrl: '',
  };
}

export function scope(name = 'test-scope', version = '1.0'): ScopeRecord {
  return { name, version, attributes: Buffer.alloc(0), droppedAttributesCount: 0, schemaUrl: '' };
}

export function span(n: number, overrides: Partial<SpanRecord> = {}): SpanRecord {
  return {
    spanId: spanIdOf(n),
    parentSpanId: Buffer.alloc(0),
    traceState: '',
    flags: 1,
    name: `span-${n}`,
    kind: 2,
    startTimeUnixNano: NOW_NS - 10n * SECOND_NS,
    endTimeUnixNano: NOW_NS - 9n * SECOND_NS,
    statusCode: 0,
    statusMessage: '',
    resourceIndex: 0,
    scopeIndex: 0,
    attributes: encodeKeyValueList([{ key: 'n', value: { int: BigInt(n) } }]),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    ...overrides,
  };
}

export function batch(traceN: number, spans: SpanRecord[], res = resource('svc'), sc = scope()): SpanBatch {
  return { traceId: traceIdOf(traceN), resources: [res], scopes: [sc], spans, receivedAtUnixNano: NOW_NS };
}

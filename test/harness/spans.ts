import { encodeKeyValueList } from '@tailstream/otlp';
import type { SpanBatch } from '@tailstream/model';

/** Builds span batches with real OTLP attribute bytes for ingest tests. */
export function makeBatches(traces: number, spansPerTrace: number, seed = 1): SpanBatch[] {
  const now = BigInt(Date.now()) * 1_000_000n;
  const out: SpanBatch[] = [];
  for (let t = 0; t < traces; t++) {
    const traceId = Buffer.alloc(16);
    traceId.writeUInt32BE(seed, 0);
    traceId.writeUInt32BE(t + 1, 12);
    const resource = {
      serviceName: `svc-${t % 3}`,
      attributes: encodeKeyValueList([
        { key: 'service.name', value: { string: `svc-${t % 3}` } },
        { key: 'host.name', value: { string: 'host-a' } },
      ]),
      droppedAttributesCount: 0,
      schemaUrl: '',
    };
    const scope = { name: 'test-scope', version: '1.0.0', attributes: Buffer.alloc(0), droppedAttributesCount: 0, schemaUrl: '' };
    const spans = Array.from({ length: spansPerTrace }, (_, s) => {
      const spanId = Buffer.alloc(8);
      spanId.writeUInt32BE(t + 1, 0);
      spanId.writeUInt32BE(s + 1, 4);
      const parent = Buffer.alloc(s === 0 ? 0 : 8);
      if (s > 0) {
        parent.writeUInt32BE(t + 1, 0);
        parent.writeUInt32BE(1, 4);
      }
      const start = now - 1_000_000_000n + BigInt(s) * 1_000_000n;
      return {
        spanId,
        parentSpanId: parent,
        traceState: '',
        flags: 1,
        name: s === 0 ? 'GET /checkout' : `db-call-${s}`,
        kind: s === 0 ? 2 : 3,
        startTimeUnixNano: start,
        endTimeUnixNano: start + 5_000_123n,
        statusCode: s === 1 ? 2 : 0,
        statusMessage: s === 1 ? 'boom' : '',
        resourceIndex: 0,
        scopeIndex: 0,
        attributes: encodeKeyValueList([
          { key: 'http.request.method', value: { string: 'GET' } },
          { key: 'http.response.status_code', value: { int: 200n } },
          { key: 'retry', value: { bool: false } },
          { key: 'ratio', value: { double: 0.25 } },
        ]),
        droppedAttributesCount: 0,
        events: [],
        droppedEventsCount: 0,
        links: [],
        droppedLinksCount: 0,
      };
    });
    out.push({ traceId, resources: [resource], scopes: [scope], spans, receivedAtUnixNano: 0n });
  }
  return out;
}

import { keptSpanBatchCodec, SCHEMA_HEADER, traceSummaryCodec } from '@tailstream/avro';
import { headerString } from '@tailstream/kafka';
import { toHex } from '@tailstream/model';
import { decodeEvent, decodeLink, flattenAttributes } from '@tailstream/otlp';
import { otelTraceRow, traceSummaryRow, type AttributeMap } from '@tailstream/store';
import type { KafkaMessage } from 'kafkajs';

/** Span attributes the loader adds to every kept span: how it was kept, and what it stands for. */
export const PROVENANCE_ATTRIBUTES = {
  policy: 'tailstream.sampling.policy',
  policyVersion: 'tailstream.sampling.policy_version',
  adjustedCount: 'tailstream.sampling.adjusted_count',
} as const;

/** KeptSpanBatch message → one otel_traces row per span, attributes flattened by the Collector's rule. */
export function otelRowsOf(message: KafkaMessage): string[] {
  const { decision, batch } = keptSpanBatchCodec().decode(message.value ?? Buffer.alloc(0), headerString(message.headers, SCHEMA_HEADER));
  const resources: AttributeMap[] = batch.resources.map((r) => flattenAttributes(r.attributes));
  const extra: AttributeMap = {
    [PROVENANCE_ATTRIBUTES.policy]: decision.policy,
    [PROVENANCE_ATTRIBUTES.policyVersion]: decision.policyVersion,
    [PROVENANCE_ATTRIBUTES.adjustedCount]: String(decision.adjustedCount),
  };
  const empty: AttributeMap = {};
  return batch.spans.map((span) =>
    otelTraceRow(batch, span, {
      resourceAttributes: resources[span.resourceIndex] ?? empty,
      spanAttributes: span.attributes.length > 0 ? flattenAttributes(span.attributes) : empty,
      events: span.events.map((bytes) => {
        const e = decodeEvent(bytes);
        return { timeUnixNano: e.timeUnixNano, name: e.name, attributes: e.attributes.length > 0 ? flattenAttributes(e.attributes) : empty };
      }),
      links: span.links.map((bytes) => {
        const l = decodeLink(bytes);
        return { traceId: toHex(l.traceId), spanId: toHex(l.spanId), traceState: l.traceState, attributes: l.attributes.length > 0 ? flattenAttributes(l.attributes) : empty };
      }),
      extraSpanAttributes: extra,
    }),
  );
}

/** TraceSummary message → one trace_summaries row. */
export function summaryRowsOf(message: KafkaMessage): string[] {
  const summary = traceSummaryCodec().decode(message.value ?? Buffer.alloc(0), headerString(message.headers, SCHEMA_HEADER));
  return [traceSummaryRow(summary)];
}

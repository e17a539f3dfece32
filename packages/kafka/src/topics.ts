/**
 * Every topic of the pipeline, in one place: name (after the configured prefix), key, value,
 * partitions and retention. `ensureTopics` creates them idempotently.
 */
export interface TopicSpec {
  /** Name without prefix. */
  base: string;
  key: string;
  value: string;
  /** Topic-level configs. */
  configs: Record<string, string>;
  /** Written by / read by (documentation). */
  flow: string;
}

const HOUR_MS = 3_600_000;

export const TOPIC_SPECS = {
  otlp: {
    base: 'otlp',
    key: 'none (as the OpenTelemetry Collector Kafka exporter writes it)',
    value: 'OTLP ExportTraceServiceRequest, protobuf (otlp_proto) or JSON (otlp_json)',
    configs: { 'retention.ms': String(24 * HOUR_MS) },
    flow: 'OpenTelemetry Collectors → ingest',
  },
  spans: {
    base: 'spans',
    key: 'trace ID, 32 lower-case hex chars',
    value: 'Avro SpanBatch (header tailstream-schema names the writer schema)',
    configs: { 'retention.ms': String(24 * HOUR_MS) },
    flow: 'ingest → tail-sampler, aggregator (RED)',
  },
  sampledSpans: {
    base: 'spans.sampled',
    key: 'trace ID hex',
    value: 'Avro KeptSpanBatch (decision + spans)',
    configs: { 'retention.ms': String(24 * HOUR_MS) },
    flow: 'tail-sampler → aggregator (otel_traces)',
  },
  traceSummaries: {
    base: 'trace-summaries',
    key: 'trace ID hex',
    value: 'Avro TraceSummary',
    configs: { 'retention.ms': String(24 * HOUR_MS) },
    flow: 'tail-sampler → aggregator (trace_summaries)',
  },
  decisions: {
    base: 'decisions',
    key: 'trace ID hex',
    value: 'Avro SamplingDecision',
    configs: { 'cleanup.policy': 'compact,delete', 'retention.ms': String(24 * HOUR_MS), 'segment.ms': String(HOUR_MS) },
    flow: 'tail-sampler → tail-sampler (decision cache rebuilt on partition assignment)',
  },
  deadLetter: {
    base: 'dead-letter',
    key: 'the original key',
    value: 'the original value, unchanged; reason and origin in tailstream-dlq-* headers',
    configs: { 'retention.ms': String(7 * 24 * HOUR_MS) },
    flow: 'any worker → operators',
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicKey = keyof typeof TOPIC_SPECS;

/** Full topic names for a prefix, e.g. `tailstream.spans`. */
export type TopicNames = Record<TopicKey, string>;

export function topicNames(prefix: string): TopicNames {
  const out = {} as TopicNames;
  for (const key of Object.keys(TOPIC_SPECS) as TopicKey[]) out[key] = `${prefix}${TOPIC_SPECS[key].base}`;
  return out;
}

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** `grpc` is OTLP/gRPC (always protobuf). */
export type Transport = 'http_protobuf' | 'http_json' | 'grpc' | 'kafka_otlp';

/** Ingest metrics, declared once per process. */
export function createIngestMetrics(registry: Registry) {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'tailstream_ingest_requests_total',
      help: 'OTLP requests (HTTP, gRPC) or records (Kafka) by transport and response code: HTTP status, gRPC status code name (e.g. OK, INVALID_ARGUMENT), Kafka ok/partial/undecodable.',
      labelNames: ['transport', 'code'],
      registers,
    }),
    bytesIn: new Counter({ name: 'tailstream_ingest_bytes_received_total', help: 'Request bytes as received (gRPC: message bytes after decompression).', labelNames: ['transport'], registers }),
    spansReceived: new Counter({ name: 'tailstream_ingest_spans_received_total', help: 'Spans decoded from requests.', labelNames: ['transport'], registers }),
    spansAccepted: new Counter({
      name: 'tailstream_ingest_spans_accepted_total',
      help: 'Spans written to Kafka and acknowledged.',
      labelNames: ['transport'],
      registers,
    }),
    spansRejected: new Counter({
      name: 'tailstream_ingest_spans_rejected_total',
      help: 'Spans rejected by validation, by reason.',
      labelNames: ['transport', 'reason'],
      registers,
    }),
    truncations: new Counter({
      name: 'tailstream_ingest_truncations_total',
      help: 'Attributes, values, events or links dropped or truncated by the configured limits.',
      labelNames: ['kind'],
      registers,
    }),
    requestLatency: new Histogram({
      name: 'tailstream_ingest_request_duration_seconds',
      help: 'Time from request start to response (includes the Kafka acknowledgement).',
      labelNames: ['transport'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    inFlightBytes: new Gauge({ name: 'tailstream_ingest_in_flight_bytes', help: 'Request bytes accepted and not yet answered.', registers }),
    deadLettered: new Counter({
      name: 'tailstream_ingest_dead_lettered_total',
      help: 'Kafka OTLP records sent to the dead-letter topic, by reason.',
      labelNames: ['reason'],
      registers,
    }),
  };
}

export type IngestMetrics = ReturnType<typeof createIngestMetrics>;

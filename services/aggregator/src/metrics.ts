import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Aggregator metrics, declared once per process. Table labels: otel_traces, trace_summaries, red_metrics, service_graph_edges. */
export function createAggregatorMetrics(registry: Registry) {
  const registers = [registry];
  return {
    rowsBuffered: new Gauge({ name: 'tailstream_aggregator_rows_buffered', help: 'Rows waiting to be inserted, by table.', labelNames: ['table'], registers }),
    rowsInserted: new Counter({ name: 'tailstream_aggregator_rows_inserted_total', help: 'Rows in inserts acknowledged by ClickHouse, by table. A replayed insert that ClickHouse drops as a duplicate (same dedup token) is counted again: count() in ClickHouse is the number of distinct rows.', labelNames: ['table'], registers }),
    insertLatency: new Histogram({
      name: 'tailstream_aggregator_insert_duration_seconds',
      help: 'Time of an acknowledged insert, by table.',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    insertFailures: new Counter({ name: 'tailstream_aggregator_insert_failures_total', help: 'Inserts that failed (then retried), by table.', labelNames: ['table'], registers }),
    batchRows: new Histogram({
      name: 'tailstream_aggregator_insert_batch_rows',
      help: 'Rows per insert, by table.',
      labelNames: ['table'],
      buckets: [1, 10, 100, 500, 1000, 2500, 5000, 10000, 20000, 50000],
      registers,
    }),
    spansAggregated: new Counter({ name: 'tailstream_aggregator_red_spans_total', help: 'Spans counted into RED metrics.', registers }),
    lateSpans: new Gauge({ name: 'tailstream_aggregator_red_late_spans', help: 'Spans that arrived after their bucket was flushed (counted as further delta rows).', registers }),
    overflowSpans: new Gauge({ name: 'tailstream_aggregator_red_overflow_spans', help: 'Spans folded into a service’s overflow series (cardinality limit).', registers }),
    watermarkDelay: new Gauge({
      name: 'tailstream_aggregator_red_watermark_delay_seconds',
      help: 'Wall clock minus the partition’s event-time watermark.',
      labelNames: ['partition'],
      registers,
    }),
    deadLettered: new Counter({ name: 'tailstream_aggregator_dead_lettered_total', help: 'Records sent to the dead-letter topic.', labelNames: ['topic', 'reason'], registers }),
  };
}

export type AggregatorMetrics = ReturnType<typeof createAggregatorMetrics>;

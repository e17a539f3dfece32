import type { BatchMemoryPool } from '@tailstream/kafka';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Tail-sampler metrics, declared once per process. */
export function createSamplerMetrics(registry: Registry) {
  const registers = [registry];
  return {
    bufferedTraces: new Gauge({ name: 'tailstream_sampler_buffered_traces', help: 'Undecided traces held across partitions.', registers }),
    bufferedSpans: new Gauge({ name: 'tailstream_sampler_buffered_spans', help: 'Spans of undecided traces held across partitions.', registers }),
    bufferedBytes: new Gauge({ name: 'tailstream_sampler_buffered_bytes', help: 'Size estimate of the held spans.', registers }),
    spansIn: new Counter({ name: 'tailstream_sampler_spans_received_total', help: 'Spans read from the spans topic.', registers }),
    duplicateSpans: new Counter({ name: 'tailstream_sampler_duplicate_spans_total', help: 'Spans dropped because their trace already held them.', registers }),
    decisions: new Counter({
      name: 'tailstream_sampler_decisions_total',
      help: 'Traces decided, by deciding policy and outcome.',
      labelNames: ['policy', 'outcome'],
      registers,
    }),
    decisionReasons: new Counter({
      name: 'tailstream_sampler_decision_triggers_total',
      help: 'Why traces were decided when they were (wait, root_quiet, span_limit, byte_limit, memory_pressure = forced early).',
      labelNames: ['reason'],
      registers,
    }),
    shadowWouldKeep: new Counter({
      name: 'tailstream_sampler_shadow_would_keep_total',
      help: 'Traces the shadow policy set would keep, by the shadow policy that would decide.',
      labelNames: ['policy'],
      registers,
    }),
    shadowEvaluated: new Counter({ name: 'tailstream_sampler_shadow_evaluated_total', help: 'Traces evaluated by the shadow policy set.', registers }),
    lateSpans: new Counter({
      name: 'tailstream_sampler_late_spans_total',
      help: 'Spans that arrived after their trace was decided: forwarded (kept) or dropped.',
      labelNames: ['outcome'],
      registers,
    }),
    replaySkipped: new Counter({
      name: 'tailstream_sampler_replay_skipped_spans_total',
      help: 'Spans of already decided traces skipped while replaying records handled before a restart or rebalance.',
      registers,
    }),
    decisionLatency: new Histogram({
      name: 'tailstream_sampler_decision_latency_seconds',
      help: 'Partition-clock time from a trace’s first span to its decision.',
      buckets: [0.1, 0.5, 1, 2, 5, 10, 20, 30, 45, 60, 120],
      registers,
    }),
    evaluationErrors: new Counter({
      name: 'tailstream_sampler_policy_evaluation_errors_total',
      help: 'Policy evaluations that threw (the policy’s vote is ignored).',
      labelNames: ['policy', 'set'],
      registers,
    }),
    policyInfo: new Gauge({ name: 'tailstream_sampler_policy_info', help: 'Active policy version (value 1).', labelNames: ['version', 'format'], registers }),
    policyReloads: new Counter({ name: 'tailstream_sampler_policy_reloads_total', help: 'Policy file reloads by outcome.', labelNames: ['outcome'], registers }),
    deadLettered: new Counter({ name: 'tailstream_sampler_dead_lettered_total', help: 'Records sent to the dead-letter topic.', labelNames: ['reason'], registers }),
    decisionCacheSize: new Gauge({ name: 'tailstream_sampler_decision_cache_entries', help: 'Decisions held for late spans.', registers }),
    decisionCacheEvictions: new Counter({
      name: 'tailstream_sampler_decision_cache_evictions_total',
      help: 'Decisions dropped from the full decision cache (late spans of those traces are assembled and decided again).',
      registers,
    }),
  };
}

export type SamplerMetrics = ReturnType<typeof createSamplerMetrics>;

/** Metrics of the reused memory for decompressed batches (memory.reuseBatchMemory), read from the pool when scraped. */
export function registerBatchMemoryMetrics(registry: Registry, pool: BatchMemoryPool): void {
  const registers = [registry];
  new Counter({
    name: 'tailstream_sampler_batch_memory_blocks_total',
    help: 'Memory blocks that snappy record batches were decompressed into, by source: allocated new, or reused once nothing read them any more.',
    labelNames: ['source'],
    registers,
    collect() {
      this.reset();
      this.inc({ source: 'allocated' }, pool.allocated);
      this.inc({ source: 'reused' }, pool.reused);
    },
  });
  new Gauge({
    name: 'tailstream_sampler_batch_memory_free_bytes',
    help: 'Bytes of released memory blocks kept for the next decompressed batches (at most 64 MiB).',
    registers,
    collect() {
      this.set(pool.freeBytes);
    },
  });
}

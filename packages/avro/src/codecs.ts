import type { Type } from 'avsc';
import type { KeptSpanBatch, SamplingDecision, SpanBatch, TraceSummary } from '@tailstream/model';
import { AvroCodec, loadType } from './codec';

/**
 * The message types that cross Kafka, each with the schema this build writes and the older writer
 * schemas it still reads. Adding a version: add `schemas/avro/<name>.vN.avsc`, point the codec's
 * current id at it, and keep the previous id in its `writers` map.
 */

function spanBatchType(version: 1 | 2): Type {
  return loadType(`span-batch.v${version}`);
}

let spanBatch: AvroCodec<SpanBatch> | undefined;
let decision: AvroCodec<SamplingDecision> | undefined;
let keptSpanBatch: AvroCodec<KeptSpanBatch> | undefined;
let traceSummary: AvroCodec<TraceSummary> | undefined;

/** SpanBatch: spans topic. Writes v2, reads v1 (no receivedAtUnixNano → 0) and v2. */
export function spanBatchCodec(): AvroCodec<SpanBatch> {
  spanBatch ??= new AvroCodec<SpanBatch>('span-batch.v2', spanBatchType(2), {
    'span-batch.v1': () => spanBatchType(1),
    'span-batch.v2': () => spanBatchType(2),
  });
  return spanBatch;
}

/** SamplingDecision: decisions topic (compacted). */
export function decisionCodec(): AvroCodec<SamplingDecision> {
  decision ??= new AvroCodec<SamplingDecision>('sampling-decision.v1', loadType('sampling-decision.v1'), {
    'sampling-decision.v1': () => loadType('sampling-decision.v1'),
  });
  return decision;
}

function keptType(): Type {
  const registry: Record<string, Type> = {};
  loadType('sampling-decision.v1', registry);
  loadType('span-batch.v2', registry);
  return loadType('kept-span-batch.v1', registry);
}

/** KeptSpanBatch: sampled-spans topic. */
export function keptSpanBatchCodec(): AvroCodec<KeptSpanBatch> {
  keptSpanBatch ??= new AvroCodec<KeptSpanBatch>('kept-span-batch.v1', keptType(), {
    'kept-span-batch.v1': keptType,
  });
  return keptSpanBatch;
}

/** TraceSummary: trace-summaries topic. */
export function traceSummaryCodec(): AvroCodec<TraceSummary> {
  traceSummary ??= new AvroCodec<TraceSummary>('trace-summary.v1', loadType('trace-summary.v1'), {
    'trace-summary.v1': () => loadType('trace-summary.v1'),
  });
  return traceSummary;
}

import type { SamplingDecision, TraceSummary } from '@tailstream/model';
import { AvroCodec, loadType } from './codec';
import { SamplingDecisionCodec } from './decision-codec';
import { KeptSpanBatchCodec } from './kept-span-batch-codec';
import { SpanBatchCodec } from './span-batch-codec';

/**
 * The message types that cross Kafka, each with the schema this build writes and the older writer
 * schemas it still reads. Adding a version: add `schemas/avro/<name>.vN.avsc`, point the codec's
 * current id at it, and keep the previous id in its `writers` map.
 */

let spanBatch: SpanBatchCodec | undefined;
let decision: AvroCodec<SamplingDecision> | undefined;
let keptSpanBatch: KeptSpanBatchCodec | undefined;
let traceSummary: AvroCodec<TraceSummary> | undefined;

/** SpanBatch: spans topic. Writes v2, reads v1 (no receivedAtUnixNano → 0) and v2. */
export function spanBatchCodec(): SpanBatchCodec {
  spanBatch ??= new SpanBatchCodec();
  return spanBatch;
}

/** SamplingDecision: decisions topic (compacted). */
export function decisionCodec(): AvroCodec<SamplingDecision> {
  decision ??= new SamplingDecisionCodec('sampling-decision.v1', loadType('sampling-decision.v1'), {
    'sampling-decision.v1': () => loadType('sampling-decision.v1'),
  });
  return decision;
}

/** KeptSpanBatch: sampled-spans topic. */
export function keptSpanBatchCodec(): KeptSpanBatchCodec {
  keptSpanBatch ??= new KeptSpanBatchCodec(decisionCodec().type, spanBatchCodec());
  return keptSpanBatch;
}

/** TraceSummary: trace-summaries topic. */
export function traceSummaryCodec(): AvroCodec<TraceSummary> {
  traceSummary ??= new AvroCodec<TraceSummary>('trace-summary.v1', loadType('trace-summary.v1'), {
    'trace-summary.v1': () => loadType('trace-summary.v1'),
  });
  return traceSummary;
}

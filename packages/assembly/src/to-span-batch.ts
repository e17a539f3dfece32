import type { SpanBatch } from '@tailstream/model';
import type { DecidedTrace } from './decided-trace';

/**
 * The decided trace as ONE span batch (e.g. for the sampled-spans topic). Shares the span,
 * resource and scope objects; span indexes already point into the trace's merged records.
 */
export function toSpanBatch(trace: DecidedTrace): SpanBatch {
  return {
    traceId: trace.traceId,
    resources: [...trace.resources],
    scopes: [...trace.scopes],
    spans: [...trace.spans],
    receivedAtUnixNano: trace.receivedAtUnixNano,
  };
}

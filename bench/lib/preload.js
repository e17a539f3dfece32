'use strict';
/**
 * Records for pre-loading the pipeline's topics from the benches' traffic, shaped as the workers
 * write them: span batches as ingest writes them (one Avro SpanBatch per trace and request, key
 * = trace ID hex), and, for the aggregator, kept spans and summaries as the tail-sampler writes
 * them (whole traces assembled by @tailstream/assembly, kept-span messages of at most 500 spans).
 */
const { spanBatchCodec, keptSpanBatchCodec, traceSummaryCodec } = require('@tailstream/avro');
const { TraceBuffer, MemoryBudget, summarize, toSpanBatch } = require('@tailstream/assembly');
const { toHex } = require('@tailstream/model');

/** Spans-topic records from decodeAsIngest() output; also counts spans and distinct traces. */
function spanRecords(decodedRequests) {
  const codec = spanBatchCodec();
  const records = [];
  const traces = new Set();
  let spans = 0;
  for (const { batches, timestampMs } of decodedRequests) {
    for (const b of batches) {
      const key = toHex(b.traceId);
      traces.add(key);
      spans += b.spans.length;
      records.push({ key, value: codec.encode(b), headers: codec.headers, timestamp: timestampMs });
    }
  }
  return { records, spans, traces: traces.size };
}

/**
 * Sampled-spans and trace-summaries records as if every trace had been kept (by a policy named
 * `bench`), each trace assembled from all its batches. Timestamp: the trace's last request.
 */
function keptRecords(decodedRequests, maxSpansPerMessage = 500) {
  const buffer = new TraceBuffer({
    budget: new MemoryBudget({ maxBufferedSpans: 1e9, maxBufferedBytes: 1e13 }),
    config: { decisionWaitMs: 1e12, decisionWaitAfterRootMs: 0 },
  });
  const lastSeen = new Map();
  let offset = 0;
  for (const { batches, timestampMs } of decodedRequests) {
    for (const b of batches) {
      buffer.add(b, offset++, timestampMs);
      lastSeen.set(toHex(b.traceId), timestampMs);
    }
  }
  const keptCodec = keptSpanBatchCodec();
  const summaryCodec = traceSummaryCodec();
  const kept = [];
  const summaries = [];
  let spans = 0;
  const traces = buffer.decideAll(0);
  for (const trace of traces) {
    const key = toHex(trace.traceId);
    const timestamp = lastSeen.get(key);
    const decision = {
      traceId: trace.traceId,
      sampled: true,
      policy: 'bench',
      policyVersion: 'bench',
      adjustedCount: 1,
      spanCount: trace.spanCount,
      decidedAtUnixMs: BigInt(timestamp),
    };
    const batch = toSpanBatch(trace);
    for (let i = 0; i < batch.spans.length; i += maxSpansPerMessage) {
      const chunk = { ...batch, spans: batch.spans.slice(i, i + maxSpansPerMessage) };
      kept.push({ key, value: keptCodec.encode({ decision, batch: chunk }), headers: keptCodec.headers, timestamp });
    }
    spans += batch.spans.length;
    summaries.push({ key, value: summaryCodec.encode(summarize(trace, decision)), headers: summaryCodec.headers, timestamp });
  }
  kept.sort((a, b) => a.timestamp - b.timestamp);
  summaries.sort((a, b) => a.timestamp - b.timestamp);
  return { kept, summaries, spans, traces: traces.length };
}

module.exports = { spanRecords, keptRecords };

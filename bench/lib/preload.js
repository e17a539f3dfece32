'use strict';
/**
 * Records for pre-loading the pipeline's topics from the benches' traffic, shaped as the workers
 * write them: span batches as ingest writes them (one Avro SpanBatch per trace and request, key
 * = trace ID hex), and, for the aggregator, kept spans and summaries as the tail-sampler writes
 * them (whole traces assembled by @tailstream/assembly, kept-span messages of at most 500 spans).
 */
const { spanBatchCodec, keptSpanBatchCodec, traceSummaryCodec, decisionCodec } = require('@tailstream/avro');
const { TraceBuffer, MemoryBudget, summarize, toSpanBatch } = require('@tailstream/assembly');
const { toHex } = require('@tailstream/model');

/**
 * Spans-topic records from decodeAsIngest() output; also counts spans and distinct traces.
 * With `pass` > 0 the same traffic is written again as new traces: every trace ID gets its last
 * byte XORed with the pass number, and every time (span start and end, receive time, record
 * timestamp) moves `pass * shiftNs` later, so passes continue one timeline (see repeatedSpanRecords).
 */
function spanRecords(decodedRequests, pass = 0, shiftNs = 0n) {
  const codec = spanBatchCodec();
  const records = [];
  const traces = new Set();
  const shift = BigInt(pass) * shiftNs;
  let spans = 0;
  for (const { batches, timestampMs } of decodedRequests) {
    for (const original of batches) {
      const b = pass === 0 ? original : shiftedBatch(original, pass, shift);
      const key = toHex(b.traceId);
      traces.add(key);
      spans += b.spans.length;
      records.push({ key, value: codec.encode(b), headers: codec.headers, timestamp: timestampMs + Number(shift / 1_000_000n) });
    }
  }
  return { records, spans, traces: traces.size };
}

/** A batch of the `pass`-th repetition: trace ID's last byte XOR pass, every time + shift. */
function shiftedBatch(b, pass, shift) {
  const traceId = Buffer.from(b.traceId);
  traceId[traceId.length - 1] ^= pass;
  return {
    ...b,
    traceId,
    receivedAtUnixNano: b.receivedAtUnixNano + shift,
    spans: b.spans.map((s) => ({ ...s, startTimeUnixNano: s.startTimeUnixNano + shift, endTimeUnixNano: s.endTimeUnixNano + shift })),
  };
}

/** Data time covered by decodeAsIngest() output (first to last record timestamp), in ns. */
function timelineNs(decodedRequests) {
  let first = Infinity;
  let last = -Infinity;
  for (const { timestampMs } of decodedRequests) {
    if (timestampMs < first) first = timestampMs;
    if (timestampMs > last) last = timestampMs;
  }
  return decodedRequests.length === 0 ? 0n : BigInt(last - first) * 1_000_000n;
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

/**
 * `count` decisions-topic records of earlier traces (IDs that the traffic never uses), as a
 * long-running sampler finds them: one trace in seven kept by one of three policies, the others
 * dropped. Read into the decision cache at start, they fill it as a worker that has decided that
 * many traces has it filled.
 */
function decisionRecords(count, timestampMs) {
  const codec = decisionCodec();
  const records = new Array(count);
  for (let i = 0; i < count; i++) {
    const traceId = Buffer.alloc(16);
    const value = codec.encode({ ...earlierDecision(i, traceId), decidedAtUnixMs: BigInt(timestampMs) });
    records[i] = { key: toHex(traceId), value, headers: codec.headers, timestamp: timestampMs };
  }
  return records;
}

const EARLIER_OUTCOMES = [
  { sampled: false, policy: '', adjustedCount: 0 },
  { sampled: true, policy: 'errors', adjustedCount: 1 },
  { sampled: true, policy: 'slow', adjustedCount: 1 },
  { sampled: true, policy: 'baseline', adjustedCount: 20 },
];

/**
 * The i-th decision of decisionRecords (without decidedAtUnixMs), its trace ID written into
 * `traceId` (16 bytes): one trace in seven kept by one of three policies, the others dropped.
 */
function earlierDecision(i, traceId) {
  traceId.writeUInt32BE(0xdec1de00, 0);
  traceId.writeUInt32BE(i, 12);
  const o = EARLIER_OUTCOMES[i % 7 === 0 ? 1 + (i % 3) : 0];
  return { traceId, ...o, policyVersion: 'sha256:5d41402abc4b2a76', spanCount: 1 + (i % 40) };
}

module.exports = { spanRecords, timelineNs, keptRecords, decisionRecords, earlierDecision };

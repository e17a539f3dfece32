'use strict';
/**
 * The benches' traffic: OTLP/HTTP protobuf requests from the load generator
 * (@tailstream/loadgen, default topology, fixed seed), encoded once up front and kept as
 * re-timable bodies (see otlp-times.js). Every stage that needs traffic takes a prefix of the
 * same sequence, so stages see the same spans.
 *
 * Virtual timeline: traces start `tracesPerSecond` apart on average (1500/s, about 50k spans/s,
 * the whole-pipeline target), from a fixed start; stages move it to "now" before use.
 */
const { TrafficGenerator, encodeOtlpProtobuf } = require('@tailstream/loadgen');
const { decodeOtlpTraces } = require('@tailstream/otlp');
const { RetimableBody } = require('./otlp-times');

const SEED = 20260101;
const TRACES_PER_SECOND = 1500;

/**
 * Generates `traces` traces. Returns the bodies, counts, and the generator's own cost
 * (generate + encode, one thread) as a figure of its own.
 */
function generateTraffic(traces, seed = SEED) {
  const generator = new TrafficGenerator({ seed, traces, tracesPerSecond: TRACES_PER_SECOND, groundTruthTraces: false });
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const requests = [];
  let spans = 0;
  let bytes = 0;
  for (const request of generator) {
    const body = new RetimableBody(encodeOtlpProtobuf(request.batches));
    requests.push(body);
    spans += body.spans;
    bytes += body.body.length;
  }
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  if (requests.length > 0) checkRetiming(requests[0]);
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    seed,
    tracesPerSecond: TRACES_PER_SECOND,
    traces,
    requests,
    spans,
    bytes,
    generator: {
      spansPerSecond: Math.round(spans / wall),
      spansPerCpuSecond: Math.round(spans / cpuSeconds),
      bytesPerSpan: Math.round(bytes / spans),
      spansPerRequest: Math.round(spans / requests.length),
    },
  };
}

/**
 * Guards the in-place re-timing against a change in the protobuf encoding: the indexed latest
 * end must be what the real decoder reads, before and after a shift, with every span kept.
 */
function checkRetiming(request) {
  const latestEnd = () => {
    const d = decodeOtlpTraces(request.body, 'protobuf', { nowNs: request.maxEndNs, maxPastNs: 1n << 62n });
    let max = 0n;
    let spans = 0;
    for (const b of d.batches) {
      for (const span of b.spans) {
        spans++;
        if (span.endTimeUnixNano > max) max = span.endTimeUnixNano;
      }
    }
    return { max, spans };
  };
  const before = latestEnd();
  const original = request.maxEndNs;
  request.retimeToEndAt(original + 3_600_000_000_000n);
  const after = latestEnd();
  request.retimeToEndAt(original);
  if (
    before.max !== original ||
    after.max !== original + 3_600_000_000_000n ||
    after.spans !== request.spans ||
    before.spans !== request.spans
  ) {
    throw new Error('traffic: re-timing OTLP bodies in place no longer matches the decoder (see bench/lib/otlp-times.js)');
  }
}

/** The first requests of `traffic` holding at least `spans` spans. */
function takeSpans(traffic, spans) {
  const out = [];
  let n = 0;
  for (const r of traffic.requests) {
    if (n >= spans) break;
    out.push(r);
    n += r.spans;
  }
  return { requests: out, spans: n };
}

/**
 * Moves the whole virtual timeline (one shift for every request, whatever re-timing happened
 * before) so the last request ends at `endNs`, then decodes each request as ingest would: span batches (one per trace and request)
 * stamped with a receive time = that request's latest span end. Returns, per request, its
 * batches and that time in ms (what a preload uses as record timestamp).
 */
function decodeAsIngest(requests, endNs) {
  let last = 0n;
  for (const r of requests) if (r.virtualEndNs > last) last = r.virtualEndNs;
  const shift = endNs - last;
  const out = [];
  for (const r of requests) {
    r.retimeToEndAt(r.virtualEndNs + shift);
    const decoded = decodeOtlpTraces(r.body, 'protobuf', { nowNs: endNs });
    if (decoded.rejectedCount > 0)
      throw new Error(`traffic: ${decoded.rejectedCount} spans rejected by the decoder: ${decoded.firstErrorMessage}`);
    for (const b of decoded.batches) b.receivedAtUnixNano = r.maxEndNs;
    out.push({ batches: decoded.batches, timestampMs: Number(r.maxEndNs / 1_000_000n) });
  }
  return out;
}

module.exports = { SEED, TRACES_PER_SECOND, generateTraffic, takeSpans, decodeAsIngest };

#!/usr/bin/env node
/**
 * Where ingest's CPU goes per span, step by step, on the load generator's traffic (fixed seed),
 * one thread, over the built packages: OTLP protobuf → span-batch Avro transcode + validate
 * (ingest's default limits), the record key, and, for comparison and for the stages downstream,
 * the reference Avro encoder and Avro decode. Rates are per CPU-second of this process (median of runs), like bench/otlp-decode.js.
 *
 * Usage: node bench/stages/ingest-steps.js [--quick]. Writes bench/results/ingest-steps.json.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { decodeOtlpTraces, transcodeOtlpTraces } = require('@tailstream/otlp');
const { spanBatchCodec } = require('@tailstream/avro');
const { toHex } = require('@tailstream/model');
const { generateTraffic } = require('../lib/traffic');

const QUICK = process.argv.includes('--quick');
const TRACES = QUICK ? 600 : 2000;
const RUNS = QUICK ? 3 : 5;
const MIN_MS = QUICK ? 300 : 1000;

// ingest's defaults (services/ingest/src/config.ts)
const DAY_NS = 86_400_000_000_000n;
const options = (nowNs) => ({
  nowNs,
  maxPastNs: 7n * DAY_NS,
  maxFutureNs: 3_600_000_000_000n,
  maxAttributesPerSpan: 128,
  maxAttributeValueLength: 4096,
  maxEventsPerSpan: 128,
  maxLinksPerSpan: 128,
});

function measure(name, units, op) {
  for (let i = 0; i < 3; i++) op();
  const perCpu = [];
  for (let r = 0; r < RUNS; r++) {
    const cpu0 = process.cpuUsage();
    const t0 = Date.now();
    let n = 0;
    while (Date.now() - t0 < MIN_MS) {
      op();
      n++;
    }
    const cpu = process.cpuUsage(cpu0);
    perCpu.push((n * units) / ((cpu.user + cpu.system) / 1e6));
  }
  perCpu.sort((a, b) => a - b);
  const rate = perCpu[Math.floor(perCpu.length / 2)];
  return { step: name, spansPerCpuSecond: Math.round(rate), nsPerSpan: Math.round(1e9 / rate) };
}

function main() {
  const traffic = generateTraffic(TRACES);
  const bodies = traffic.requests.map((r) => r.body);
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  // put the virtual timeline just before now, as a live sender would
  let last = 0n;
  for (const r of traffic.requests) if (r.virtualEndNs > last) last = r.virtualEndNs;
  for (const r of traffic.requests) r.retimeToEndAt(r.virtualEndNs + (nowNs - last));

  const codec = spanBatchCodec();
  const decoded = bodies.map((b) => decodeOtlpTraces(b, 'protobuf', options(nowNs)));
  const rejected = decoded.reduce((n, d) => n + d.rejectedCount, 0);
  if (rejected > 0) throw new Error(`${rejected} spans rejected`);
  const batches = decoded.flatMap((d) => d.batches);
  const encoded = batches.map((b) => codec.encode(b));
  const spans = traffic.spans;
  const avroBytes = encoded.reduce((n, b) => n + b.length, 0);

  const opts = options(nowNs);
  const steps = [
    measure('OTLP protobuf → Avro transcode + validate (transcodeOtlpTraces, ingest limits)', spans, () => {
      for (const b of bodies) transcodeOtlpTraces(b, 'protobuf', opts);
    }),
    measure('record keys (trace ID hex)', spans, () => {
      for (const b of batches) toHex(b.traceId);
    }),
    measure('transcode + keys (ingest CPU path before Kafka)', spans, () => {
      for (const body of bodies) {
        for (const m of transcodeOtlpTraces(body, 'protobuf', opts).messages) toHex(m.traceId);
      }
    }),
    measure('Avro encode of span batch objects (spanBatchCodec, the reference encoder)', spans, () => {
      for (const b of batches) codec.encode(b);
    }),
    measure('Avro decode of the span batches (what each consumer pays)', spans, () => {
      for (const e of encoded) codec.decode(e, codec.schemaId);
    }),
    measure('Avro lazy decode of the span batches (sampler and RED: structure checked, fields read on use)', spans, () => {
      for (const e of encoded) codec.decodeLazy(e, codec.schemaId);
    }),
  ];

  const out = {
    benchmark: 'ingest-steps',
    node: process.version,
    seed: traffic.seed,
    traces: TRACES,
    spans,
    requests: bodies.length,
    spansPerRequest: Math.round(spans / bodies.length),
    batchesPerRequest: +(batches.length / bodies.length).toFixed(1),
    spansPerBatch: +(spans / batches.length).toFixed(2),
    otlpBytesPerSpan: traffic.generator.bytesPerSpan,
    avroBytesPerSpan: Math.round(avroBytes / spans),
    loadgen: traffic.generator,
    steps,
  };
  const text = JSON.stringify(out, null, 2);
  console.log(text);
  const dir = path.join(__dirname, '..', 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'ingest-steps.json'), `${text}\n`);
}

main();

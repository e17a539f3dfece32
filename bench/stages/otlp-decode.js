'use strict';
/**
 * Stage `otlp-decode`: ingest's CPU path without I/O, one thread. Runs bench/otlp-decode.js
 * (decode + validate of realistic OTLP protobuf, with the protobufjs reflection decode as
 * reference) and bench/stages/ingest-steps.js (the same steps plus Avro encode/decode on the
 * load generator's traffic, so where the time goes per step), each in a child process.
 */
const path = require('path');
const { runChildBench } = require('../lib/child-bench');
const { mib } = require('../lib/proc');

module.exports = {
  name: 'otlp-decode',
  summary: 'OTLP protobuf decode + validate into span batches, Avro encode, per step (one thread, no I/O)',
  async run(ctx) {
    const quick = ctx.quick ? ['--quick'] : [];
    ctx.say('otlp-decode: bench/otlp-decode.js');
    const decode = await runChildBench({
      script: 'bench/otlp-decode.js',
      args: quick,
      resultFile: 'bench/results/otlp-decode.json',
      logFile: path.join(ctx.logDir, 'otlp-decode.log'),
    });
    ctx.say('otlp-decode: bench/stages/ingest-steps.js (loadgen traffic, per step)');
    const steps = await runChildBench({
      script: 'bench/stages/ingest-steps.js',
      args: quick,
      resultFile: 'bench/results/ingest-steps.json',
      logFile: path.join(ctx.logDir, 'ingest-steps.log'),
    });

    const rows = [];
    const pick = (prefix) => decode.result.results.find((r) => r.name.startsWith(prefix));
    for (const [prefix, label] of [
      ['decode protobuf (decodeOtlpTraces, defaults)', 'decode+validate, default limits (bench/otlp-decode.js data)'],
      ['decode protobuf, ingest-like limits', 'decode+validate, ingest-like limits'],
      ['reference: protobufjs reflection', 'reference: protobufjs reflection decode'],
    ]) {
      const r = pick(prefix);
      if (r)
        rows.push({
          case: label,
          spansPerSecond: r.spansPerWallSecond,
          spansPerCoreSecond: r.spansPerCpuSecond,
          peakRssMiB: mib(decode.usage?.peakRssBytes),
        });
    }
    for (const s of steps.result.steps) {
      rows.push({
        case: `loadgen traffic: ${s.step}`,
        spansPerCoreSecond: s.spansPerCpuSecond,
        peakRssMiB: mib(steps.usage?.peakRssBytes),
        note: `${s.nsPerSpan} ns/span`,
        // ingest's whole budget is 150k spans/s per core; this is its CPU path before Kafka
        target: s.step.startsWith('decode + encode') ? 150_000 : undefined,
      });
    }
    rows.push({
      case: 'load generator: generate + encode OTLP (reference)',
      spansPerCoreSecond: steps.result.loadgen.spansPerCpuSecond,
      note: `${steps.result.otlpBytesPerSpan} B/span OTLP, ${steps.result.avroBytesPerSpan} B/span Avro, ${steps.result.spansPerBatch} spans per batch`,
    });
    return {
      rows,
      details: { otlpDecode: decode.result, ingestSteps: steps.result, usage: { otlpDecode: decode.usage, ingestSteps: steps.usage } },
    };
  },
};

'use strict';
/**
 * Stage `red`: the RED aggregation core alone (bench/red.js in a child process: already-decoded
 * span batches through RedAggregator, one thread). The aggregator bench measures the same work
 * inside the worker, with Kafka, Avro decode and ClickHouse inserts.
 */
const path = require('path');
const { runChildBench } = require('../lib/child-bench');
const { mib } = require('../lib/proc');

module.exports = {
  name: 'red',
  summary: 'RED aggregation core (RedAggregator on decoded span batches, one thread)',
  async run(ctx) {
    ctx.say('red: bench/red.js');
    const { result, usage } = await runChildBench({
      script: 'bench/red.js',
      args: ctx.quick ? ['--quick'] : [],
      nodeArgs: ['--expose-gc'],
      resultFile: 'bench/results/red.json',
      logFile: path.join(ctx.logDir, 'red.log'),
    });
    const labels = { red: 'default (service graph on)', 'red-nograph': 'service graph off', 'red+route': 'extra dimension http.route' };
    return {
      rows: result.cases.map((c) => ({
        case: labels[c.case] ?? c.case,
        spansPerSecond: c.wallSpansPerSecond,
        spansPerCoreSecond: c.spansPerCpuSecond,
        peakRssMiB: mib(usage?.peakRssBytes),
        note: `${c.cpuNsPerSpan} ns/span; RSS includes ${result.input.heapMiB} MiB of input`,
        target: 150_000,
      })),
      details: { red: result, usage },
    };
  },
};

'use strict';
/**
 * Stage `kafka-produce` (opt-in: `node bench/run.js --only kafka-produce`): kafkajs produce-request
 * encoding, stock vs with @tailstream/kafka's kafkajs-speedups, one thread, no I/O. Runs
 * bench/kafka-produce.js in a child process (which runs each variant in a child of its own).
 */
const path = require('path');
const { runChildBench } = require('../lib/child-bench');

module.exports = {
  name: 'kafka-produce',
  optIn: true,
  summary: 'kafkajs produce-request encoding (record batches, CRC32C), stock vs kafkajs-speedups, and the speedups before the one-pass Produce encoder (one thread, no I/O)',
  async run(ctx) {
    ctx.say('kafka-produce: bench/kafka-produce.js');
    const { result, usage } = await runChildBench({
      script: 'bench/kafka-produce.js',
      args: ctx.quick ? ['--quick'] : [],
      resultFile: 'bench/results/kafka-produce.json',
      logFile: path.join(ctx.logDir, 'kafka-produce.log'),
    });
    const rows = [];
    for (const c of result.cases) {
      for (const variant of ['stock', 'previous', 'patched']) {
        const r = c[variant];
        if (!r) continue; // `previous` (speedups before the one-pass Produce encoder) is not measured for CRC32C
        const vsPrevious = c.speedupVsPrevious === undefined ? '' : `, x${c.speedupVsPrevious} vs previous`;
        rows.push({
          case: `${c.name}: ${variant}`,
          note: `${r.mbPerCpuSecond} MB per CPU-second${r.usPerMessage === undefined ? '' : `, ${r.usPerMessage} µs/message`}${variant === 'patched' ? `, x${c.speedup} vs stock${vsPrevious}` : ''}`,
        });
      }
    }
    return { rows, details: { kafkaProduce: result, usage } };
  },
};

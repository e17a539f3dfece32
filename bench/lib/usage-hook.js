'use strict';
/**
 * Preloaded (`node -r bench/lib/usage-hook.js script.js`) into a child bench script: at exit,
 * writes the process's CPU time and peak RSS to the file named by BENCH_USAGE_FILE, so the
 * runner gets them without changing the script.
 */
const fs = require('fs');

const file = process.env.BENCH_USAGE_FILE;
const t0 = Date.now();
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const usage = {
      wallSeconds: (Date.now() - t0) / 1000,
      cpuSeconds: (u.userCPUTime + u.systemCPUTime) / 1e6,
      peakRssBytes: u.maxRSS * 1024,
    };
    fs.writeFileSync(file, JSON.stringify(usage));
  });
}

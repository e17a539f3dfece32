'use strict';
/** The run's output: machine description, the JSON result files and the table printed at the end. */
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ROOT } = require('./workers');

/** Machine, runtime and source revision the figures belong to. */
function machineInfo() {
  const git = (args) => {
    try {
      return execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return undefined;
    }
  };
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    node: process.version,
    commit: git(['rev-parse', 'HEAD']),
    // Uncommitted changes in the source the dist/ was built from make the commit approximate.
    dirtyFiles: (git(['status', '--porcelain', '--untracked-files=no', '--', 'packages', 'services']) ?? '').split('\n').filter(Boolean)
      .length,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** Writes bench-<date>.json and latest.json; returns the dated path. */
function writeResults(result, when) {
  const dir = path.join(ROOT, 'bench', 'results');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(
    dir,
    `bench-${when
      .toISOString()
      .replace(/:/g, '-')
      .replace(/\.\d+Z$/, 'Z')}.json`,
  );
  const text = `${JSON.stringify(result, null, 2)}\n`;
  fs.writeFileSync(file, text);
  fs.writeFileSync(path.join(dir, 'latest.json'), text);
  return file;
}

const fmt = (n) => (n === undefined || n === null ? '' : typeof n === 'number' ? n.toLocaleString('en-US') : String(n));

/** Plain-text table: bench | case | spans/s | spans/s per core | target/core | peak RSS | notes. */
function formatTable(benches) {
  const header = ['bench', 'case', 'spans/s', 'spans/s/core', 'target', 'peak RSS MiB', 'notes'];
  const rows = [];
  for (const b of benches) {
    if (b.error) {
      rows.push([b.name, 'FAILED', '', '', '', '', b.error.split('\n')[0].slice(0, 100)]);
      continue;
    }
    for (const r of b.rows) {
      const target =
        r.target === undefined
          ? ''
          : r.spansPerCoreSecond === undefined
            ? fmt(r.target)
            : `${fmt(r.target)} ${r.spansPerCoreSecond >= r.target ? 'met' : 'MISSED'}`;
      rows.push([b.name, r.case, fmt(r.spansPerSecond), fmt(r.spansPerCoreSecond), target, fmt(r.peakRssMiB), r.note ?? '']);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => (i >= 2 && i <= 5 ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

module.exports = { machineInfo, writeResults, formatTable };

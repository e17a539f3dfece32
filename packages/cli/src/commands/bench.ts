import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { EXIT, type Command } from '../command';
import { repoRoot } from '../repo';

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run the benchmarks (each stage alone and the whole pipeline), JSON + a table',
  help: `Usage: tailstream bench [--only NAME[,NAME]] [--quick]

Runs bench/run.js: every stage alone and the whole pipeline, fixed seeds. Writes
bench/results/bench-<date>.json and prints a table. See docs/performance.md.`,
  async run(argv) {
    const result = spawnSync(process.execPath, [join(repoRoot(), 'bench', 'run.js'), ...argv], { stdio: 'inherit' });
    return result.status ?? EXIT.FAILED;
  },
};

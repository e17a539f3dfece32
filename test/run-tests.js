#!/usr/bin/env node
// Runs jest (unit + integration projects, or the args given), then prints one plain closing line
// "tests: N passed, N failed, N skipped" that CI tools read, and exits with jest's exit code.
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, rmSync, existsSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const dir = mkdtempSync(join(tmpdir(), 'tailstream-jest-'));
const outputFile = join(dir, 'results.json');
const jestBin = require.resolve('jest/bin/jest');
const args = [jestBin, '--ci', '--json', `--outputFile=${outputFile}`, ...process.argv.slice(2)];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: join(__dirname, '..') });

let code = result.status ?? 1;
if (existsSync(outputFile)) {
  const r = JSON.parse(readFileSync(outputFile, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  if (r.numTotalTests === 0) {
    console.log('tests: no test ran');
    code = code || 1;
  }
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
} else {
  console.log('tests: 0 passed, 1 failed (jest wrote no results)');
  code = code || 1;
}
rmSync(dir, { recursive: true, force: true });
process.exit(code);

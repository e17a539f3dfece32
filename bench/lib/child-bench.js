'use strict';
/**
 * Runs a standalone bench script (bench/<name>.js or bench/stages/<name>.js) in a child node
 * process, with its output going to a log file, and returns the JSON it wrote plus the child's
 * CPU time and peak RSS (through usage-hook.js).
 */
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { ROOT, tail } = require('./workers');

/**
 * @param {object} o
 * @param {string} o.script      path relative to the repo root
 * @param {string[]} [o.args]
 * @param {string} o.resultFile  JSON file the script writes (path relative to the repo root)
 * @param {string} o.logFile
 * @param {string[]} [o.nodeArgs]
 */
async function runChildBench({ script, args = [], resultFile, logFile, nodeArgs = [] }) {
  const usageFile = path.join(os.tmpdir(), `tailstream-bench-usage-${process.pid}-${Date.now()}.json`);
  const resultPath = path.join(ROOT, resultFile);
  const before = fs.existsSync(resultPath) ? fs.statSync(resultPath).mtimeMs : 0;
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const log = fs.createWriteStream(logFile);
  const child = spawn(process.execPath, [...nodeArgs, '-r', path.join(__dirname, 'usage-hook.js'), path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, BENCH_USAGE_FILE: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c)));
  await new Promise((resolve) => log.end(resolve));
  if (code !== 0) throw new Error(`${script} exited with code ${code}; see ${logFile}\n${tail(logFile)}`);
  if (!fs.existsSync(resultPath) || fs.statSync(resultPath).mtimeMs <= before) throw new Error(`${script} did not write ${resultFile}`);
  const result = JSON.parse(fs.readFileSync(resultPath, 'utf8'));
  let usage;
  try {
    usage = JSON.parse(fs.readFileSync(usageFile, 'utf8'));
    fs.unlinkSync(usageFile);
  } catch {
    usage = undefined;
  }
  return { result, usage };
}

module.exports = { runChildBench };

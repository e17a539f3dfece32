'use strict';
/**
 * Tailstream workers as child processes (`node packages/cli/dist/bin.js <worker>`), the
 * production shape, so each one's CPU and memory are measured on its own: start with an env,
 * wait for /readyz, read /metrics, stop with SIGTERM (SIGKILL after a timeout).
 */
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'packages', 'cli', 'dist', 'bin.js');

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts one worker. `env` is added to this process's env minus the variables in `unset`;
 * stdout/stderr go to `<logDir>/<label>.log`. `nodeArgs` are passed to node (e.g. --cpu-prof).
 */
function startWorker({ command, label = command, env, unset = [], opsPort, logDir, nodeArgs = [] }) {
  if (!fs.existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `${label}.log`);
  const log = fs.createWriteStream(logFile);
  const childEnv = { ...process.env, LOG_LEVEL: 'warn', ...env };
  for (const name of unset) delete childEnv[name];
  const child = spawn(process.execPath, [...nodeArgs, CLI, command], { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const opsUrl = `http://127.0.0.1:${opsPort}`;

  return {
    label,
    pid: child.pid,
    child,
    opsUrl,
    logFile,
    exited,

    /** Resolves once /readyz answers 200; rejects if the process exits or after `timeoutMs`. */
    async waitReady(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (child.exitCode !== null)
          throw new Error(`${label} exited with code ${child.exitCode} before it was ready; see ${logFile}\n${tail(logFile)}`);
        try {
          const res = await fetch(`${opsUrl}/readyz`);
          if (res.ok) return;
        } catch {
          // not listening yet
        }
        await sleep(200);
      }
      throw new Error(`${label} was not ready within ${timeoutMs / 1000} s; see ${logFile}\n${tail(logFile)}`);
    },

    /** /metrics text ('' when the worker does not answer). */
    async metrics() {
      try {
        const res = await fetch(`${opsUrl}/metrics`);
        return res.ok ? await res.text() : '';
      } catch {
        return '';
      }
    },

    /** Graceful stop; SIGKILL if still running after `timeoutMs`. Resolves with how it ended. */
    async stop(timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const how = await exited;
      clearTimeout(timer);
      return how;
    },

    /** True while the process runs. */
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
  };
}

function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { ROOT, CLI, freePort, startWorker, sleep, tail };

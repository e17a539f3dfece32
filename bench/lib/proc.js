'use strict';
/**
 * Process and machine figures read from /proc (Linux): CPU time of any process by pid (all its
 * threads), its peak resident set (VmHWM), and the machine's busy CPU time, so a bench can tell
 * its own processes' CPU apart from other load on a shared machine.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');

let clockTicks;

/** Kernel clock ticks per second (`getconf CLK_TCK`, 100 almost everywhere). */
function clkTck() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User + system CPU seconds used so far by process `pid` (all threads); undefined once it is gone. */
function cpuSeconds(pid) {
  let text;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // Fields after the command name (which may hold spaces) start at field 3 (state).
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) / clkTck();
}

/**
 * CPU seconds per thread group of process `pid`: threads named alike (trailing digits dropped)
 * are summed, and the main thread (the JS event loop) is reported as `main (JS)`. Shows, e.g.,
 * how much of the aggregator's CPU is its JS thread and how much the embedded ClickHouse's threads.
 */
function threadCpu(pid) {
  const out = {};
  let tids;
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const seconds = (Number(fields[11]) + Number(fields[12])) / clkTck();
      const group = Number(tid) === pid ? 'main (JS)' : comm.replace(/[\s\d:#-]+$/, '') || comm;
      out[group] = (out[group] ?? 0) + seconds;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

/** A `Vm*` line of /proc/<pid>/status in bytes (VmHWM = peak RSS, VmRSS = current RSS). */
function statusBytes(pid, field) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

const peakRssBytes = (pid) => statusBytes(pid, 'VmHWM');
const rssBytes = (pid) => statusBytes(pid, 'VmRSS');

/** Machine-wide CPU seconds from /proc/stat: busy (everything but idle and iowait) and total. */
function machineCpu() {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = v;
  const total = user + nice + system + idle + iowait + irq + softirq + steal;
  return { busy: (total - idle - iowait) / clkTck(), total: total / clkTck() };
}

/**
 * Watches a set of processes over a window: `start()` takes a baseline, `stop()` returns per
 * process CPU seconds, cores used (CPU over wall), peak RSS (current RSS for this process), and
 * the machine's busy cores split into ours and everyone else's. Peak RSS is the process's own high-water mark (VmHWM), read at
 * `stop()`, so it covers the whole life of the process up to then.
 */
class ProcessWatch {
  /**
   * @param {Record<string, number | undefined>} pids name → pid (undefined entries are skipped)
   * @param {{ threadsOf?: string[] }} [options] processes whose CPU is also split by thread group
   */
  constructor(pids, options = {}) {
    this.pids = Object.fromEntries(Object.entries(pids).filter(([, pid]) => pid !== undefined));
    this.threadsOf = (options.threadsOf ?? []).filter((name) => this.pids[name] !== undefined);
  }

  start() {
    this.t0 = process.hrtime.bigint();
    this.machine0 = machineCpu();
    this.cpu0 = {};
    for (const [name, pid] of Object.entries(this.pids)) this.cpu0[name] = pid === process.pid ? selfCpu() : cpuSeconds(pid);
    this.threads0 = Object.fromEntries(this.threadsOf.map((name) => [name, threadCpu(this.pids[name])]));
    return this;
  }

  /** Figures since start(). */
  stop() {
    const wall = Number(process.hrtime.bigint() - this.t0) / 1e9;
    const machine = machineCpu();
    const processes = {};
    let ours = 0;
    for (const [name, pid] of Object.entries(this.pids)) {
      const now = pid === process.pid ? selfCpu() : cpuSeconds(pid);
      const cpu = now !== undefined && this.cpu0[name] !== undefined ? now - this.cpu0[name] : undefined;
      if (cpu !== undefined) ours += cpu;
      processes[name] = {
        cpuSeconds: round(cpu, 2),
        coresUsed: cpu === undefined ? undefined : round(cpu / wall, 2),
        // For this process its peak covers the whole bench run, so the current RSS is given instead.
        ...(pid === process.pid ? { rssMiB: mib(process.memoryUsage().rss) } : { peakRssMiB: mib(peakRssBytes(pid)) }),
      };
      if (this.threadsOf.includes(name)) {
        const before = this.threads0[name];
        const groups = Object.entries(threadCpu(pid))
          .map(([group, sec]) => [group, sec - (before[group] ?? 0)])
          .filter(([, sec]) => sec >= 0.05)
          .sort((a, b) => b[1] - a[1]);
        processes[name].cpuSecondsByThread = Object.fromEntries(groups.map(([g, sec]) => [g, round(sec, 2)]));
      }
    }
    const busy = machine.busy - this.machine0.busy;
    return {
      wallSeconds: round(wall, 2),
      processes,
      machine: {
        cores: round((machine.total - this.machine0.total) / wall, 2),
        busyCores: round(busy / wall, 2),
        watchedCores: round(ours / wall, 2),
        otherCores: round(Math.max(0, busy - ours) / wall, 2),
      },
    };
  }
}

function selfCpu() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function round(x, digits) {
  if (x === undefined || !Number.isFinite(x)) return undefined;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

function mib(bytes) {
  return bytes === undefined ? undefined : Math.round(bytes / 1048576);
}

module.exports = { clkTck, cpuSeconds, threadCpu, peakRssBytes, rssBytes, machineCpu, ProcessWatch, round, mib };

'use strict';
/**
 * Summary of V8 CPU profiles (`node --cpu-prof`): self time per function and per code area
 * (a Tailstream package, an npm dependency, node internals, GC, idle), so a bench run can name
 * where a worker's CPU went. Usage as a script: node bench/lib/cpu-profile.js FILE.cpuprofile...
 */
const fs = require('fs');
const path = require('path');

/** The code area a profile frame belongs to. */
function areaOf(url, functionName) {
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(idle)') return 'idle';
  if (functionName === '(program)') return 'program (native, not attributed)';
  if (!url) return 'native / builtins';
  const pkg = /\/(packages|services)\/([^/]+)\/dist\//.exec(url);
  if (pkg) return `@tailstream/${pkg[1] === 'services' ? 'service-' : ''}${pkg[2]}`;
  const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (dep) return dep[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  return path.basename(url);
}

/** True for areas that are plumbing rather than an owner of work (node internals, builtins). */
const isPlumbing = (area) => area.startsWith('node:') || area === 'native / builtins' || area === 'program (native, not attributed)';

/**
 * Self-time tables of one profile: by function, by code area, and by owner — the area of the
 * nearest caller that is a package or a dependency, so time spent in node internals and builtins
 * (Buffer copies, zlib callbacks, streams) is charged to the code that asked for it.
 */
function summarizeProfile(profile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const ownerOf = (id) => {
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const { callFrame } = byId.get(at);
      const area = areaOf(callFrame.url, callFrame.functionName);
      if (area === 'GC' || area === 'idle') return area;
      if (!isPlumbing(area) && area !== '(root)') return area;
    }
    return 'node internals (no package caller)';
  };
  const selfUs = new Map();
  // timeDeltas[i] is the time before sample i; attribute it to the sampled node.
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  let total = 0;
  let idle = 0;
  const fns = new Map();
  const areas = new Map();
  const owners = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    const name = callFrame.functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const where = callFrame.url
      ? `${callFrame.url.replace(/^.*\/(packages|services|node_modules)\//, '$1/')}:${callFrame.lineNumber + 1}`
      : '';
    const key = `${name} ${where}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const area = areaOf(callFrame.url, name);
    areas.set(area, (areas.get(area) ?? 0) + us);
    const owner = ownerOf(id);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
  }
  const pct = (us) => Math.round((1000 * us) / total) / 10;
  return {
    busySeconds: Math.round(total / 1e4) / 100,
    idleSeconds: Math.round(idle / 1e4) / 100,
    areas: [...areas].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, percent: pct(us) })),
    owners: [...owners].sort((a, b) => b[1] - a[1]).map(([owner, us]) => ({ owner, percent: pct(us) })),
    functions: [...fns]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, us]) => ({ function: fn, percent: pct(us) })),
  };
}

/** Summaries of every .cpuprofile in a directory, by file name. */
function summarizeProfiles(dir) {
  const out = {};
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
    out[f.replace(/\.cpuprofile$/, '')] = summarizeProfile(JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')));
  }
  return out;
}

module.exports = { summarizeProfile, summarizeProfiles };

if (require.main === module) {
  for (const file of process.argv.slice(2)) {
    console.log(`# ${file}`);
    console.log(JSON.stringify(summarizeProfile(JSON.parse(fs.readFileSync(file, 'utf8'))), null, 2));
  }
}

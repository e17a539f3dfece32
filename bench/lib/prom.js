'use strict';
/** Reading Prometheus text exposition (the workers' /metrics) without a client library. */

/**
 * Sum of the samples of metric `name` whose labels include every pair of `match`
 * (e.g. sum(text, 'tailstream_sampler_decisions_total', { outcome: 'kept' })).
 */
function sum(text, name, match = {}) {
  let total = 0;
  const wanted = Object.entries(match).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (!wanted.every((pair) => rest.includes(pair))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

/** Samples of metric `name` grouped by the value of one label: { labelValue: sum }. */
function byLabel(text, name, label) {
  const out = {};
  const re = new RegExp(`${label}="([^"]*)"`);
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const m = re.exec(line);
    if (!m) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) out[m[1]] = (out[m[1]] ?? 0) + value;
  }
  return out;
}

module.exports = { sum, byLabel };

/**
 * Quantiles (upper bucket bounds, in the metric's unit) of a Prometheus histogram summed over
 * the series whose labels include `match`: { count, p50, p90, p99 }.
 */
function histogram(text, name, match = {}) {
  const wanted = Object.entries(match).map(([k, v]) => `${k}="${v}"`);
  const buckets = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}_bucket{`)) continue;
    if (!wanted.every((pair) => line.includes(pair))) continue;
    const le = /le="([^"]+)"/.exec(line)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const count = sorted.length ? sorted[sorted.length - 1][1] : 0;
  const q = (p) => sorted.find(([, c]) => c >= p * count)?.[0];
  return { count, p50: q(0.5), p90: q(0.9), p99: q(0.99) };
}

module.exports.histogram = histogram;

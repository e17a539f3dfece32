#!/usr/bin/env node
/**
 * Benchmark of the RED aggregation core (@tailstream/red) on one thread, over the built dist
 * (run `npx tsc -b packages/red` first; `npx tsc -b packages/otlp` too for the extra-dimension case).
 * Avro decoding is NOT included: the input is already-decoded SpanBatch objects, as the aggregator
 * hands them over after its own decode.
 *
 * Data (fixed seed): traces of 2 to 24 spans over 8 services; each service hop is one message
 * (CLIENT span in the caller's batch, SERVER span in the callee's), so most pairs cross batches;
 * ~25 % unpaired DB CLIENT spans, 3 % errors, 15 semantic-convention attributes per span (the
 * KeyValueList bytes are only read in the extra-dimension case), span starts advancing 1 ms per
 * trace so buckets close by watermark during the run, 0.5 % stragglers (late spans).
 *
 * Cases (each RUNS times, the median reported):
 *   - red:        default config (60 s buckets, service graph on), no extra dimensions
 *   - red+route:  plus extraDimensions ['http.route'] read through @tailstream/otlp's getAttributes
 *   - red-nograph: service graph off
 * Figures: spans per CPU-second (process user+system time, so a shared machine does not skew it),
 * wall-clock spans/s, rows and edges emitted, RSS and heap after the run.
 *
 * Usage: node --expose-gc bench/red.js [--quick]. Prints JSON and writes bench/results/red.json.
 * RSS and heap include the generated input (input.heapMiB) held in memory for the whole run.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { RedAggregator } = require('../packages/red/dist');

let otlp;
try {
  otlp = require('../packages/otlp/dist');
} catch {
  otlp = undefined;
}

const QUICK = process.argv.includes('--quick');
const TRACES = QUICK ? 20_000 : 60_000;
const RUNS = QUICK ? 3 : 5;

// --- deterministic data ---------------------------------------------------------------------
const { mulberry32 } = require('./lib/random');
const rand = mulberry32(20260101);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
const randomBytes = (n) => Buffer.from(Array.from({ length: n }, () => int(0, 255)));

const SERVICES = ['frontend', 'checkout', 'cart', 'payments', 'shipping', 'auth', 'inventory', 'email'];
const ROUTES = ['/api/cart', '/api/checkout', '/api/products/{id}', '/api/users/{id}/orders', '/healthz', '/api/search'];
const T0 = 1_767_225_600_000_000_000n;
const MS = 1_000_000n;

// Attribute bytes: encoded with @tailstream/otlp when built (realistic wire form), else a fixed
// filler of the same size (only read in the extra-dimension case, which needs otlp anyway).
function attributes(route, i) {
  const s = (v) => ({ string: v });
  const entries = [
    { key: 'http.request.method', value: s(pick(['GET', 'POST'])) },
    { key: 'http.route', value: s(route) },
    { key: 'url.path', value: s(route.replace('{id}', String(i))) },
    { key: 'url.scheme', value: s('https') },
    { key: 'http.response.status_code', value: { int: 200n } },
    { key: 'server.address', value: s('api.example.internal') },
    { key: 'server.port', value: { int: 8443n } },
    { key: 'client.address', value: s(`10.0.${i % 255}.${(i * 7) % 255}`) },
    { key: 'network.protocol.version', value: s('1.1') },
    { key: 'user_agent.original', value: s('Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0') },
    { key: 'thread.name', value: s('worker-3') },
    { key: 'code.function', value: s('handleRequest') },
    { key: 'code.namespace', value: s('com.example.api') },
    { key: 'deployment.zone', value: s('eu-west-1b') },
    { key: 'request.id', value: s(`req-${i}`) },
  ];
  return otlp ? otlp.encodeKeyValueList(entries) : Buffer.alloc(420, 1);
}

function span(name, kind, start, durationNs, parent, error, attrs) {
  return {
    spanId: randomBytes(8),
    parentSpanId: parent,
    traceState: '',
    flags: 1,
    name,
    kind,
    startTimeUnixNano: start,
    endTimeUnixNano: start + durationNs,
    statusCode: error ? 2 : 0,
    statusMessage: '',
    resourceIndex: 0,
    scopeIndex: 0,
    attributes: attrs,
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
  };
}

const resources = new Map(
  SERVICES.map((name) => [name, { serviceName: name, attributes: otlp ? otlp.encodeKeyValueList([{ key: 'service.name', value: { string: name } }]) : Buffer.alloc(30), droppedAttributesCount: 0, schemaUrl: '' }]),
);
const scope = { name: 'io.opentelemetry.http', version: '1.0', attributes: Buffer.alloc(0), droppedAttributesCount: 0, schemaUrl: '' };

/** One trace as a list of messages (one batch per service hop). */
function trace(t) {
  const traceId = randomBytes(16);
  const start = T0 + BigInt(t) * MS - (rand() < 0.005 ? 600_000n * MS : 0n);
  const batches = [];
  const hops = int(1, 6);
  let caller = 'frontend';
  const route = pick(ROUTES);
  const rootAttrs = attributes(route, t);
  const root = span(`GET ${route}`, 2, start, BigInt(int(5, 900)) * MS, Buffer.alloc(0), rand() < 0.03, rootAttrs);
  let callerBatch = [root];
  let parent = root.spanId;
  for (let h = 0; h < hops; h++) {
    const callee = SERVICES[1 + ((t + h) % (SERVICES.length - 1))];
    const d = BigInt(int(1, 400)) * MS + BigInt(int(0, 999_999));
    const err = rand() < 0.03;
    const client = span(`POST /${callee}`, 3, start + BigInt(h + 1) * MS, d + 2n * MS, parent, err, rootAttrs);
    callerBatch.push(client);
    if (rand() < 0.25) callerBatch.push(span('SELECT orders', 3, start + BigInt(h) * MS, BigInt(int(1, 30)) * MS, parent, false, rootAttrs));
    batches.push({ service: caller, spans: callerBatch });
    const server = span(`POST /${callee}`, 2, start + BigInt(h + 1) * MS + MS, d, client.spanId, err, attributes(`/${callee}`, t + h));
    const internal = span('process', 1, server.startTimeUnixNano, d / 2n, server.spanId, false, rootAttrs);
    callerBatch = [server, internal];
    parent = server.spanId;
    caller = callee;
  }
  batches.push({ service: caller, spans: callerBatch });
  return batches.reverse().map((b) => ({ traceId, resources: [resources.get(b.service)], scopes: [scope], spans: b.spans, receivedAtUnixNano: 0n }));
}

const messages = [];
for (let t = 0; t < TRACES; t++) messages.push(...trace(t));
const totalSpans = messages.reduce((n, b) => n + b.spans.length, 0);
if (global.gc) global.gc();
const inputHeapMiB = Math.round(process.memoryUsage().heapUsed / 1048576);

// --- measurement ----------------------------------------------------------------------------
function reader() {
  return {
    getAttributes(buf, keys) {
      const out = new Map();
      for (const [k, v] of otlp.getAttributes(buf, keys)) out.set(k, otlp.anyValueAsString(v));
      return out;
    },
  };
}

function runOnce(config) {
  const agg = new RedAggregator(config);
  let rows = 0;
  let edges = 0;
  let flushes = 0;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < messages.length; i++) {
    agg.add(0, BigInt(i), messages[i]);
    const ready = agg.flushReady(0);
    for (let k = 0; k < ready.length; k++) {
      rows += ready[k].rows.length;
      edges += ready[k].edges.length;
      flushes++;
    }
  }
  for (const f of agg.flushAll(0)) {
    rows += f.rows.length;
    edges += f.edges.length;
    flushes++;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  return { seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, rows, edges, flushes, stats: agg.stats };
}

function measure(label, config) {
  runOnce(config); // warm-up
  const runs = [];
  for (let r = 0; r < RUNS; r++) runs.push(runOnce(config));
  runs.sort((a, b) => a.cpuSeconds - b.cpuSeconds);
  const median = runs[Math.floor(runs.length / 2)];
  if (global.gc) global.gc();
  const mem = process.memoryUsage();
  return {
    case: label,
    spansPerCpuSecond: Math.round(totalSpans / median.cpuSeconds),
    cpuNsPerSpan: Math.round((median.cpuSeconds * 1e9) / totalSpans),
    bestSpansPerCpuSecond: Math.round(totalSpans / runs[0].cpuSeconds),
    wallSpansPerSecond: Math.round(totalSpans / median.seconds),
    rows: median.rows,
    edges: median.edges,
    flushes: median.flushes,
    pairs: median.stats.pairs,
    lateSpans: median.stats.lateSpans,
    rssMiB: Math.round(mem.rss / 1048576),
    heapUsedMiB: Math.round(mem.heapUsed / 1048576),
  };
}

const cases = [measure('red', {}), measure('red-nograph', { serviceGraph: { enabled: false } })];
if (otlp) cases.push(measure('red+route', { extraDimensions: ['http.route'], attributeReader: reader() }));

const result = {
  bench: 'red',
  node: process.version,
  quick: QUICK,
  input: { traces: TRACES, messages: messages.length, spans: totalSpans, spansPerMessage: +(totalSpans / messages.length).toFixed(2), heapMiB: inputHeapMiB },
  note: 'one thread, Avro decode excluded; per core = spans per second of process CPU time (user+system, GC threads included), so other load on the machine does not skew it; median of runs; target >= 150000 spans/s per core',
  cases,
};
const out = JSON.stringify(result, null, 2);
console.log(out);
const dir = path.join(__dirname, 'results');
fs.mkdirSync(dir, { recursive: true });
fs.writeFileSync(path.join(dir, 'red.json'), out + '\n');

#!/usr/bin/env node
/**
 * Benchmark of the tail-sampler core, on one thread, over the built packages (run
 * `npx tsc -b packages/assembly packages/sampling packages/avro packages/otlp services/tail-sampler` first):
 *
 *   - core:    TraceBuffer.add + poll + PolicyEngine.evaluate (+ summarize for kept traces)
 *   - consume: the same plus the Avro decode of every span batch (what a sampler does per message)
 *   - evaluate only: PolicyEngine.evaluate on assembled traces (policy cost per span)
 *   - heap per buffered span: JS heap held by decoded span batches + the trace buffer, and the
 *     part the trace buffer adds on top of the decoded records (needs --expose-gc)
 *   - decision cache: heap and typed-array bytes per entry of a full DecisionCache of the tail-sampler (needs --expose-gc)
 *
 * Data (fixed seed): traces of 1 to 200 spans (mean ~14) over 8 services, one span batch per
 * service hop, 15 semantic-convention attributes per span, some events, 3 % error spans; batches
 * of concurrent traces interleave on a simulated clock, the root's batch arriving last.
 * Policies: the full realistic set of packages/sampling/src/test-support/collector-config.yaml
 * (every policy type), read through @tailstream/otlp's attribute reader.
 *
 * Usage: node --expose-gc bench/sampler-core.js [--quick]
 * Prints JSON and writes bench/results/sampler-core.json.
 */
'use strict';
const fs = require('fs');
const path = require('path');
const { TraceBuffer, MemoryBudget, summarize } = require('../packages/assembly/dist');
const { PolicyEngine, loadPolicyFile } = require('../packages/sampling/dist');
const { spanBatchCodec } = require('../packages/avro/dist');
const { AttributeRowReader, encodeKeyValueList, getAttribute, getAttributes } = require('../packages/otlp/dist');
const { DecisionCache } = require('../services/tail-sampler/dist/decision-cache');
const { earlierDecision } = require('./lib/preload');

const QUICK = process.argv.includes('--quick');
const TRACES = QUICK ? 3_000 : 12_000;
const RUNS = QUICK ? 3 : 5;

// --- deterministic data ---------------------------------------------------------------------
const { mulberry32 } = require('./lib/random');
const rand = mulberry32(20251125);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
const randomBytes = (n) => Buffer.from(Array.from({ length: n }, () => int(0, 255)));
const s = (v) => ({ string: v });

const SERVICES = ['frontend', 'checkout', 'cart', 'payments', 'shipping', 'auth', 'inventory', 'email'];
const ROUTES = ['/api/cart', '/api/checkout', '/api/products/{id}', '/api/users/{id}/orders', '/healthz', '/api/search'];
const TIERS = ['free', 'free', 'free', 'pro', 'gold'];

const resources = new Map(
  SERVICES.map((name, i) => [
    name,
    {
      serviceName: name,
      attributes: encodeKeyValueList([
        { key: 'service.name', value: s(name) },
        { key: 'service.version', value: s(`1.${i}.3`) },
        { key: 'deployment.environment', value: s('production') },
        { key: 'host.name', value: s(`${name}-7d9f8c-${i}x2`) },
        { key: 'k8s.namespace.name', value: s('shop') },
        { key: 'k8s.pod.name', value: s(`${name}-7d9f8c5b4-${i}q8zt`) },
        { key: 'telemetry.sdk.language', value: s('nodejs') },
      ]),
      droppedAttributesCount: 0,
      schemaUrl: 'https://opentelemetry.io/schemas/1.24.0',
    },
  ]),
);
const scope = {
  name: '@opentelemetry/instrumentation-http',
  version: '0.52.0',
  attributes: Buffer.alloc(0),
  droppedAttributesCount: 0,
  schemaUrl: '',
};

function spanAttributes(isRoot, tier) {
  const route = pick(ROUTES);
  const status = rand() < 0.04 ? 500 + int(0, 3) : pick([200, 200, 200, 201, 204, 404]);
  return encodeKeyValueList([
    { key: 'http.request.method', value: s(pick(['GET', 'POST', 'PUT'])) },
    { key: 'http.route', value: s(route) },
    { key: 'url.path', value: s(route.replace('{id}', String(int(1, 99999)))) },
    { key: 'url.scheme', value: s('https') },
    { key: 'http.response.status_code', value: { int: BigInt(status) } },
    { key: 'server.address', value: s('shop.example.com') },
    { key: 'server.port', value: { int: 443n } },
    { key: 'network.protocol.version', value: s('1.1') },
    { key: 'user_agent.original', value: s('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0') },
    { key: 'client.address', value: s(`10.${int(0, 255)}.${int(0, 255)}.${int(0, 255)}`) },
    { key: 'tenant.tier', value: s(tier) },
    { key: 'db.system', value: s('postgresql') },
    { key: 'db.operation.name', value: s(pick(['SELECT', 'INSERT', 'UPDATE'])) },
    { key: 'app.request_id', value: s(randomBytes(8).toString('hex')) },
    { key: 'app.cache_hit', value: { bool: rand() < 0.3 } },
    ...(isRoot && rand() < 0.01 ? [{ key: 'app.force_sample', value: { bool: true } }] : []),
  ]);
}

function traceSize() {
  const r = rand();
  if (r < 0.35) return int(1, 2);
  if (r < 0.8) return int(3, 15);
  if (r < 0.95) return int(16, 60);
  return int(61, 200);
}

/** Encoded span batches with their arrival time (ms) on the simulated clock, in arrival order. */
function generate() {
  const codec = spanBatchCodec();
  const messages = [];
  let spanTotal = 0;
  for (let t = 0; t < TRACES; t++) {
    const traceId = randomBytes(16);
    const startMs = t * 2; // 500 new traces per simulated second
    const n = traceSize();
    const tier = pick(TIERS);
    const baseNs = 1_700_000_000_000_000_000n + BigInt(startMs) * 1_000_000n;
    const durationMs = rand() < 0.05 ? int(600, 4000) : int(5, 450);
    const byService = new Map();
    for (let i = 0; i < n; i++) {
      const isRoot = i === 0;
      const service = isRoot ? 'frontend' : pick(SERVICES);
      const start = baseNs + BigInt(isRoot ? 0 : int(0, durationMs - 1)) * 1_000_000n;
      const end = isRoot ? baseNs + BigInt(durationMs) * 1_000_000n : start + BigInt(int(1, 50)) * 1_000_000n;
      const span = {
        spanId: randomBytes(8),
        parentSpanId: isRoot ? Buffer.alloc(0) : randomBytes(8),
        traceState: '',
        flags: 1,
        name: isRoot ? 'GET /api/checkout' : pick(['SELECT orders', 'POST /charge', 'GET /cart', 'publish email', 'redis GET']),
        kind: isRoot ? 2 : pick([1, 3, 3, 4]),
        startTimeUnixNano: start,
        endTimeUnixNano: end,
        statusCode: rand() < 0.03 ? 2 : 0,
        statusMessage: '',
        resourceIndex: 0,
        scopeIndex: 0,
        attributes: spanAttributes(isRoot, tier),
        droppedAttributesCount: 0,
        events: rand() < 0.2 ? [randomBytes(int(40, 120))] : [],
        droppedEventsCount: 0,
        links: [],
        droppedLinksCount: 0,
      };
      if (!byService.has(service)) byService.set(service, []);
      byService.get(service).push(span);
    }
    for (const [service, spans] of byService) {
      const isRootBatch = service === 'frontend';
      const batch = {
        traceId,
        resources: [resources.get(service)],
        scopes: [scope],
        spans,
        receivedAtUnixNano: baseNs + BigInt(durationMs) * 1_000_000n,
      };
      messages.push({
        at: startMs + (isRootBatch ? durationMs + int(5, 50) : int(0, durationMs)),
        bytes: codec.encode(batch),
        spans: spans.length,
      });
      spanTotal += spans.length;
    }
  }
  messages.sort((a, b) => a.at - b.at);
  return { messages, spanTotal };
}

// --- the measured pipeline ------------------------------------------------------------------
const policyFile = loadPolicyFile(
  fs.readFileSync(path.join(__dirname, '..', 'packages/sampling/src/test-support/collector-config.yaml'), 'utf8'),
);
const reader = { get: getAttribute, getMany: getAttributes, compileKeys: (keys) => new AttributeRowReader(keys) };
const bufferConfig = { decisionWaitMs: 30_000, decisionWaitAfterRootMs: 2_000 };

function newEngine(attributeReader = reader) {
  return new PolicyEngine({ policies: policyFile.policies, version: policyFile.version, reader: attributeReader });
}

/** A reader that finds nothing at no cost: isolates the engine's own work from attribute decoding. */
const EMPTY_MAP = new Map();
const nullReader = { get: () => undefined, getMany: () => EMPTY_MAP, compileKeys: () => ({ readRow() {} }) };

/** Feeds decoded batches through buffer + engine (or the buffer alone); returns counters. */
function runCore(batches, arrivals, evaluate = true) {
  const engine = newEngine();
  const buffer = new TraceBuffer({ budget: new MemoryBudget(), config: bufferConfig });
  const counts = { traces: 0, kept: 0, keptSpans: 0, reasons: {} };
  const handle = (decided) => {
    for (const trace of decided) {
      if (!evaluate) continue;
      const d = engine.evaluate(trace);
      counts.traces++;
      counts.reasons[trace.reason] = (counts.reasons[trace.reason] ?? 0) + 1;
      if (d.sampled) {
        counts.kept++;
        counts.keptSpans += trace.spanCount;
        summarize(trace, { policy: d.policy, policyVersion: engine.version, adjustedCount: d.adjustedCount });
      }
    }
  };
  let nextPoll = 0;
  for (let i = 0; i < batches.length; i++) {
    const now = arrivals[i];
    buffer.add(batches[i], i, now);
    if (now >= nextPoll) {
      handle(buffer.poll(now));
      nextPoll = now + 100;
    }
  }
  handle(buffer.poll(arrivals[arrivals.length - 1] + 60_000));
  return counts;
}

/** As the sampler worker reads records: a private copy of each value, spans read lazily. */
function decodeAll(messages) {
  const codec = spanBatchCodec();
  return messages.map((m) => {
    const own = Buffer.allocUnsafeSlow(m.bytes.length);
    m.bytes.copy(own);
    return codec.decodeLazy(own, 'span-batch.v2');
  });
}

function time(fn) {
  const t0 = process.hrtime.bigint();
  const result = fn();
  return { ms: Number(process.hrtime.bigint() - t0) / 1e6, result };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gc = () => {
  if (global.gc) {
    global.gc();
    global.gc();
  }
};

/** Heap bytes of one Buffer view object (what each decoded bytes field costs besides its bytes). */
function bufferViewHeapBytes() {
  const backing = Buffer.alloc(1 << 16);
  gc();
  const before = process.memoryUsage().heapUsed;
  const views = new Array(50_000);
  for (let i = 0; i < views.length; i++) views[i] = backing.subarray(i % 1000, (i % 1000) + 8);
  gc();
  return (process.memoryUsage().heapUsed - before - views.length * 8) / views.length;
}

/**
 * Memory of the tail-sampler's decision cache when full (the worker keeps up to
 * decisionCache.maxEntries, a million by default, for as long as it runs): the decisions the
 * sampler bench pre-loads (bench/lib/preload.js), with fresh strings per decision as a decoder
 * makes them. The heap figure is what the garbage collector marks; the typed arrays holding the
 * entries are outside the heap.
 */
function decisionCacheHeap() {
  const entries = QUICK ? 100_000 : 1_000_000;
  const traceId = Buffer.alloc(16);
  gc();
  const before = process.memoryUsage().heapUsed;
  const cache = new DecisionCache(entries);
  for (let i = 0; i < entries; i++) {
    const d = earlierDecision(i, traceId);
    cache.set(traceId, { ...d, policy: `${d.policy} `.trimEnd(), policyVersion: `${d.policyVersion} `.trimEnd() });
  }
  gc();
  const bytes = process.memoryUsage().heapUsed - before;
  return {
    entries: cache.size,
    heapBytesPerEntry: Math.round(bytes / cache.size),
    heapMiB: Math.round(bytes / 1048576),
    offHeapBytesPerEntry: Math.round(cache.allocatedBytes / cache.size),
    offHeapMiB: Math.round(cache.allocatedBytes / 1048576),
  };
}

function main() {
  const { messages, spanTotal } = generate();
  const arrivals = messages.map((m) => m.at);
  const out = {
    node: process.version,
    traces: TRACES,
    spans: spanTotal,
    batches: messages.length,
    meanSpansPerTrace: +(spanTotal / TRACES).toFixed(1),
    policies: policyFile.policies.length,
    policyTypes: [...new Set(policyFile.policies.map((p) => p.type))].length,
  };

  // core and consume throughput (fresh decoded objects per run: add() takes them over)
  const core = [];
  const consume = [];
  const decodeOnly = [];
  const bufferOnly = [];
  let counts;
  for (let run = 0; run < RUNS; run++) {
    const decoded = time(() => decodeAll(messages));
    decodeOnly.push(decoded.ms);
    gc();
    const measured = time(() => runCore(decoded.result, arrivals));
    counts = measured.result;
    core.push(measured.ms);
    consume.push(measured.ms + decoded.ms);
    gc();
    const again = decodeAll(messages);
    gc();
    bufferOnly.push(time(() => runCore(again, arrivals, false)).ms);
    gc();
  }
  const perSec = (ms) => Math.round(spanTotal / (ms / 1000));
  out.coreSpansPerSec = perSec(median(core));
  out.coreNsPerSpan = Math.round((median(core) * 1e6) / spanTotal);
  out.avroDecodeNsPerSpan = Math.round((median(decodeOnly) * 1e6) / spanTotal);
  out.addPollNsPerSpan = Math.round((median(bufferOnly) * 1e6) / spanTotal);
  out.consumeSpansPerSec = perSec(median(consume));
  out.decided = counts;
  out.keptTraceRatio = +(counts.kept / counts.traces).toFixed(3);

  // evaluate only, on assembled traces
  {
    const buffer = new TraceBuffer({ budget: new MemoryBudget(), config: { decisionWaitMs: 1e12, decisionWaitAfterRootMs: 0 } });
    const batches = decodeAll(messages);
    batches.forEach((b, i) => buffer.add(b, i, arrivals[i]));
    const traces = buffer.decideAll(0);
    const runs = [];
    const nullRuns = [];
    const readRuns = [];
    const keyList = newEngine().attributeKeys();
    const rowReader = reader.compileKeys(keyList);
    for (let run = 0; run < RUNS; run++) {
      const engine = newEngine();
      runs.push(time(() => traces.forEach((t) => engine.evaluate(t))).ms);
      const bare = newEngine(nullReader);
      nullRuns.push(time(() => traces.forEach((t) => bare.evaluate(t))).ms);
      // what the engine does per trace: one table, one pass per resource and span
      readRuns.push(
        time(() =>
          traces.forEach((t) => {
            const rows = t.resources.length + t.spans.length;
            const table = new Array(rows * keyList.length).fill(undefined);
            t.resources.forEach((r, i) => rowReader.readRow(r.attributes, table, i, rows));
            t.spans.forEach((sp, i) => rowReader.readRow(sp.attributes, table, t.resources.length + i, rows));
          }),
        ).ms,
      );
    }
    out.evaluateNsPerSpan = Math.round((median(runs) * 1e6) / spanTotal);
    out.evaluateUsPerTrace = +((median(runs) * 1e3) / traces.length).toFixed(2);
    out.evaluateWithoutAttributeReadsNsPerSpan = Math.round((median(nullRuns) * 1e6) / spanTotal);
    out.attributeReadsOnlyNsPerSpan = Math.round((median(readRuns) * 1e6) / spanTotal);
    out.attributeKeysRead = keyList.length;
  }

  // The same run's Avro decode is the yardstick: PERFORMANCE.md measured it at ~1,000 ns/span on
  // a quiet core, so these ratios carry over to other machines better than absolute figures.
  const ratio = (ns) => +(ns / out.avroDecodeNsPerSpan).toFixed(3);
  out.relativeToAvroDecode = {
    core: ratio(out.coreNsPerSpan),
    addPoll: ratio(out.addPollNsPerSpan),
    evaluate: ratio(out.evaluateNsPerSpan),
    evaluateWithoutAttributeReads: ratio(out.evaluateWithoutAttributeReadsNsPerSpan),
    attributeReadsOnly: ratio(out.attributeReadsOnlyNsPerSpan),
  };

  // heap per buffered span
  if (global.gc) {
    gc();
    const base = process.memoryUsage();
    const batches = decodeAll(messages);
    gc();
    const decoded = process.memoryUsage();
    const buffer = new TraceBuffer({
      budget: new MemoryBudget({ maxBufferedSpans: 1e9, maxBufferedBytes: 1e12 }),
      config: { decisionWaitMs: 1e12, decisionWaitAfterRootMs: 0 },
    });
    batches.forEach((b, i) => buffer.add(b, i, arrivals[i]));
    batches.length = 0; // only the buffer holds the spans now
    gc();
    const buffered = process.memoryUsage();
    const held = buffer.stats().spans;
    const estimateBytes = buffer.stats().bytes;
    // Buffer objects owned by the buffered spans (their "own buffers"), and the heap size of one view
    const traces = buffer.decideAll(0);
    const views = new Set();
    for (const t of traces)
      for (const sp of t.spans) for (const b of [sp.spanId, sp.parentSpanId, sp.attributes, ...sp.events, ...sp.links]) views.add(b);
    const viewBytes = bufferViewHeapBytes();
    const perSpan = (buffered.heapUsed - base.heapUsed) / held;
    out.heap = {
      bufferedSpans: held,
      heapBytesPerBufferedSpan: Math.round(perSpan),
      spanBufferObjectsPerSpan: +(views.size / held).toFixed(2),
      heapBytesPerBufferObject: Math.round(viewBytes),
      heapBytesPerSpanBeyondItsBuffers: Math.round(perSpan - (views.size / held) * viewBytes),
      decodedRecordHeapBytesPerSpan: Math.round((decoded.heapUsed - base.heapUsed) / held),
      assemblyHeapBytesPerSpan: Math.round((buffered.heapUsed - decoded.heapUsed) / held),
      arrayBufferBytesPerSpan: Math.round((buffered.arrayBuffers - base.arrayBuffers) / held),
      bufferSizeEstimateBytesPerSpan: Math.round(estimateBytes / held),
    };
    traces.length = 0;
    out.decisionCache = decisionCacheHeap();
  } else {
    out.heap = 'run with node --expose-gc for heap figures';
  }

  console.log(JSON.stringify(out, null, 2));
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'sampler-core.json'), JSON.stringify(out, null, 2) + '\n');
}

main();

#!/usr/bin/env node
/**
 * Micro-benchmark of @tailstream/otlp (run against the built dist: `npx tsc -b packages/otlp` first).
 *
 * Builds OTLP protobuf requests of realistic spans (HTTP/DB/RPC semantic-convention attributes,
 * 10-20 per span, some events and links) from a fixed seed, then measures, on one thread:
 *   - decode+validate+normalize (decodeOtlpTraces, protobuf), default options and with a value-length limit
 *   - the same for OTLP/JSON bodies
 *   - a full protobufjs reflection decode of the same bytes (the cost the one-pass design avoids)
 *   - the attribute codec per span: flattenAttributes, getAttribute, getAttributes, decodeKeyValueList
 *   - encodeExportTraceServiceRequest
 * Prints JSON and writes bench/results/otlp-decode.json. Usage: node bench/otlp-decode.js [--quick]
 */
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const otlp = require('../packages/otlp/dist');

const QUICK = process.argv.includes('--quick');
const SPANS_PER_REQUEST = 1000;
const SPANS_PER_TRACE = 10;
const REQUESTS = QUICK ? 4 : 20;
const MIN_MEASURE_MS = QUICK ? 300 : 1500;
const RUNS = QUICK ? 3 : 5;
const WARMUP_OPS = QUICK ? 50 : 200;

// --- deterministic data -------------------------------------------------------------------------
const { mulberry32 } = require('./lib/random');
const rand = mulberry32(20241125);
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const bytes = (n) => Buffer.from(Array.from({ length: n }, () => int(0, 255)));

const SERVICES = ['checkout', 'cart', 'payment', 'shipping', 'frontend', 'auth', 'inventory', 'email'];
const ROUTES = ['/api/cart', '/api/checkout', '/api/products/{id}', '/api/users/{id}/orders', '/healthz', '/api/search'];
const TABLES = ['orders', 'users', 'products', 'line_items', 'payments'];
const str = (v) => ({ string: v });

function httpServerAttributes() {
  const route = pick(ROUTES);
  return [
    { key: 'http.request.method', value: str(pick(['GET', 'POST', 'PUT', 'DELETE'])) },
    { key: 'http.route', value: str(route) },
    { key: 'url.path', value: str(route.replace('{id}', String(int(1, 99999)))) },
    { key: 'url.scheme', value: str('https') },
    { key: 'http.response.status_code', value: { int: BigInt(pick([200, 200, 200, 201, 404, 500])) } },
    { key: 'server.address', value: str('api.example.internal') },
    { key: 'server.port', value: { int: 8443n } },
    { key: 'client.address', value: str(`10.${int(0, 255)}.${int(0, 255)}.${int(0, 255)}`) },
    {
      key: 'user_agent.original',
      value: str('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36'),
    },
    { key: 'network.protocol.version', value: str('1.1') },
    { key: 'http.request.body.size', value: { int: BigInt(int(0, 20000)) } },
    { key: 'http.response.body.size', value: { int: BigInt(int(0, 200000)) } },
    { key: 'tenant.id', value: str(`tenant-${int(1, 500)}`) },
  ];
}
function dbAttributes() {
  const table = pick(TABLES);
  return [
    { key: 'db.system', value: str('postgresql') },
    { key: 'db.namespace', value: str('shop') },
    { key: 'db.operation.name', value: str(pick(['SELECT', 'INSERT', 'UPDATE'])) },
    { key: 'db.collection.name', value: str(table) },
    {
      key: 'db.query.text',
      value: str(`SELECT id, status, total FROM ${table} WHERE customer_id = $1 AND created_at > $2 ORDER BY created_at DESC LIMIT 50`),
    },
    { key: 'server.address', value: str('pg-primary.db.internal') },
    { key: 'server.port', value: { int: 5432n } },
    { key: 'db.response.returned_rows', value: { int: BigInt(int(0, 50)) } },
    { key: 'network.peer.address', value: str(`10.1.${int(0, 255)}.${int(0, 255)}`) },
    { key: 'db.client.connection.pool.name', value: str('main') },
    { key: 'thread.id', value: { int: BigInt(int(1, 64)) } },
  ];
}
function rpcAttributes() {
  return [
    { key: 'rpc.system', value: str('grpc') },
    { key: 'rpc.service', value: str(`shop.${pick(SERVICES)}.v1.Service`) },
    { key: 'rpc.method', value: str(pick(['Get', 'List', 'Create', 'Update'])) },
    { key: 'rpc.grpc.status_code', value: { int: BigInt(pick([0, 0, 0, 5, 13])) } },
    { key: 'server.address', value: str(`${pick(SERVICES)}.svc.cluster.local`) },
    { key: 'server.port', value: { int: 50051n } },
    { key: 'network.transport', value: str('tcp') },
    { key: 'rpc.message.compressed_size', value: { int: BigInt(int(10, 5000)) } },
    { key: 'retry.count', value: { int: BigInt(int(0, 2)) } },
    { key: 'cache.hit', value: { bool: rand() < 0.5 } },
    { key: 'sampling.weight', value: { double: rand() } },
    { key: 'feature.flags', value: { array: [str('new-checkout'), str('fast-path')] } },
  ];
}

function makeRequest(requestIndex) {
  const baseNs = BigInt(Date.now()) * 1_000_000n;
  const resources = SERVICES.map((service) => ({
    serviceName: service,
    attributes: otlp.encodeKeyValueList([
      { key: 'service.name', value: str(service) },
      { key: 'service.version', value: str(`1.${int(0, 9)}.${int(0, 30)}`) },
      { key: 'deployment.environment.name', value: str('production') },
      { key: 'host.name', value: str(`node-${int(1, 40)}`) },
      { key: 'k8s.pod.name', value: str(`${service}-${bytes(4).toString('hex')}`) },
      { key: 'telemetry.sdk.language', value: str('nodejs') },
    ]),
    droppedAttributesCount: 0,
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
  }));
  const scope = {
    name: '@opentelemetry/instrumentation-http',
    version: '0.52.0',
    attributes: Buffer.alloc(0),
    droppedAttributesCount: 0,
    schemaUrl: '',
  };
  const batches = [];
  for (let t = 0; t < SPANS_PER_REQUEST / SPANS_PER_TRACE; t++) {
    const traceId = bytes(16);
    const spans = [];
    let parent = Buffer.alloc(0);
    for (let s = 0; s < SPANS_PER_TRACE; s++) {
      const spanId = bytes(8);
      const kindRoll = rand();
      const attrs = kindRoll < 0.4 ? httpServerAttributes() : kindRoll < 0.75 ? dbAttributes() : rpcAttributes();
      const target = int(10, 20);
      while (attrs.length > target) attrs.pop();
      for (let extra = 0; attrs.length < target; extra++) {
        attrs.push(
          extra % 2 === 0
            ? { key: `app.custom.${extra}`, value: str(`value-${int(0, 1e6)}`) }
            : { key: `app.metric.${extra}`, value: { int: BigInt(int(0, 1e6)) } },
        );
      }
      const start = baseNs - BigInt(int(0, 5_000_000_000)) - BigInt(requestIndex) * 1000n;
      const events = rand() < 0.2 ? [eventBytes(start)] : [];
      spans.push({
        spanId,
        parentSpanId: parent,
        traceState: '',
        flags: 0x101,
        name: kindRoll < 0.4 ? `GET ${pick(ROUTES)}` : kindRoll < 0.75 ? `SELECT ${pick(TABLES)}` : `shop.${pick(SERVICES)}/Get`,
        kind: kindRoll < 0.4 ? 2 : 3,
        startTimeUnixNano: start,
        endTimeUnixNano: start + BigInt(int(100_000, 900_000_000)),
        statusCode: rand() < 0.05 ? 2 : 0,
        statusMessage: '',
        resourceIndex: 0,
        scopeIndex: 0,
        attributes: otlp.encodeKeyValueList(attrs),
        droppedAttributesCount: 0,
        events,
        droppedEventsCount: 0,
        links: [],
        droppedLinksCount: 0,
      });
      parent = spanId;
    }
    // each trace spans several services: assign resources per span via separate batches sharing records
    const byService = new Map();
    for (const span of spans) {
      const r = resources[int(0, resources.length - 1)];
      if (!byService.has(r)) byService.set(r, []);
      byService.get(r).push(span);
    }
    for (const [resource, list] of byService) {
      batches.push({ traceId, resources: [resource], scopes: [scope], spans: list, receivedAtUnixNano: 0n });
    }
  }
  return otlp.encodeExportTraceServiceRequest(batches);
}

function eventBytes(start) {
  // An exception event, encoded with protobufjs reflection from the official definitions.
  const Event = otlp.otlpRoot().lookupType('opentelemetry.proto.trace.v1.Span.Event');
  return Event.encode(
    Event.fromObject({
      timeUnixNano: (start + 1000n).toString(),
      name: 'exception',
      attributes: [
        { key: 'exception.type', value: { stringValue: 'TimeoutError' } },
        { key: 'exception.message', value: { stringValue: 'upstream timed out after 5000 ms' } },
      ],
    }),
  ).finish();
}

const Request = otlp.otlpRoot().lookupType('opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest');

function otlpJson(buf) {
  // OTLP/JSON from the reflection decode: hex IDs, int64 as strings, enums as numbers.
  const obj = Request.toObject(Request.decode(buf), { longs: String, bytes: String, enums: Number });
  for (const rs of obj.resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? [])
      for (const span of ss.spans ?? []) {
        for (const f of ['traceId', 'spanId', 'parentSpanId']) if (span[f]) span[f] = Buffer.from(span[f], 'base64').toString('hex');
      }
  return Buffer.from(JSON.stringify(obj));
}

// --- measurement --------------------------------------------------------------------------------
/**
 * Runs `op` repeatedly for MIN_MEASURE_MS, RUNS times. Rates are per CPU second of this process
 * (process.cpuUsage: user + system), i.e. "per core", which other load on a shared machine
 * distorts much less than wall-clock time; the wall-clock rate is reported too. Median of runs.
 */
function measure(name, unitsPerOp, op) {
  // Warm up (JIT tiers, caches) for a fixed number of operations.
  for (let i = 0; i < WARMUP_OPS; i++) op(i);
  const perCpu = [];
  const perWall = [];
  for (let run = 0; run < RUNS; run++) {
    let ops = 0;
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    let elapsed = 0;
    while (elapsed < MIN_MEASURE_MS * 1e6) {
      op(ops++);
      elapsed = Number(process.hrtime.bigint() - t0);
    }
    const cpu = process.cpuUsage(cpu0);
    perCpu.push((ops * unitsPerOp) / ((cpu.user + cpu.system) / 1e6));
    perWall.push((ops * unitsPerOp) / (elapsed / 1e9));
  }
  const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const cpuRate = median(perCpu);
  return {
    name,
    spansPerCpuSecond: Math.round(cpuRate),
    nsPerSpan: Math.round(1e9 / cpuRate),
    spansPerWallSecond: Math.round(median(perWall)),
    bestRunSpansPerCpuSecond: Math.round(Math.max(...perCpu)),
  };
}

function main() {
  const requests = Array.from({ length: REQUESTS }, (_, i) => makeRequest(i));
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const sample = otlp.decodeOtlpTraces(requests[0], 'protobuf', { nowNs });
  if (sample.accepted !== SPANS_PER_REQUEST) throw new Error(`expected ${SPANS_PER_REQUEST} accepted spans, got ${sample.accepted}`);
  const allSpans = sample.batches.flatMap((b) => b.spans);

  // Protobuf decoding first, before the other cases fill the heap.
  const results = [];
  results.push(
    measure('decode protobuf (decodeOtlpTraces, defaults)', SPANS_PER_REQUEST, (i) =>
      otlp.decodeOtlpTraces(requests[i % REQUESTS], 'protobuf', { nowNs }),
    ),
  );
  results.push(
    measure('decode protobuf, ingest-like limits (64 attrs, 4096 chars, 32 events/links)', SPANS_PER_REQUEST, (i) =>
      otlp.decodeOtlpTraces(requests[i % REQUESTS], 'protobuf', {
        nowNs,
        maxAttributesPerSpan: 64,
        maxAttributeValueLength: 4096,
        maxEventsPerSpan: 32,
        maxLinksPerSpan: 32,
      }),
    ),
  );
  results.push(
    measure('decode protobuf, maxAttributeValueLength=256', SPANS_PER_REQUEST, (i) =>
      otlp.decodeOtlpTraces(requests[i % REQUESTS], 'protobuf', { nowNs, maxAttributeValueLength: 256 }),
    ),
  );
  results.push(measure('reference: protobufjs reflection full decode', SPANS_PER_REQUEST, (i) => Request.decode(requests[i % REQUESTS])));
  const jsonBodies = requests.map((buf) => otlpJson(buf));
  results.push(
    measure('decode OTLP/JSON (decodeOtlpTraces)', SPANS_PER_REQUEST, (i) =>
      otlp.decodeOtlpTraces(jsonBodies[i % REQUESTS], 'json', { nowNs }),
    ),
  );
  results.push(
    measure('flattenAttributes (per span)', allSpans.length, () => {
      for (const s of allSpans) otlp.flattenAttributes(s.attributes);
    }),
  );
  results.push(
    measure('decodeKeyValueList (per span)', allSpans.length, () => {
      for (const s of allSpans) otlp.decodeKeyValueList(s.attributes);
    }),
  );
  results.push(
    measure('getAttribute http.route (per span)', allSpans.length, () => {
      for (const s of allSpans) otlp.getAttribute(s.attributes, 'http.route');
    }),
  );
  const keys = new Set(['http.route', 'db.system', 'rpc.service']);
  results.push(
    measure('getAttributes 3 keys (per span)', allSpans.length, () => {
      for (const s of allSpans) otlp.getAttributes(s.attributes, keys);
    }),
  );
  results.push(measure('encodeExportTraceServiceRequest', SPANS_PER_REQUEST, () => otlp.encodeExportTraceServiceRequest(sample.batches)));

  const attrCounts = allSpans.map((s) => otlp.decodeKeyValueList(s.attributes).length);
  const decode = results[0];
  const reference = results.find((r) => r.name.startsWith('reference'));
  const report = {
    benchmark: 'otlp-decode',
    node: process.version,
    cpus: os.cpus().length,
    loadAverage1m: Number(os.loadavg()[0].toFixed(2)),
    seed: 20241125,
    spansPerRequest: SPANS_PER_REQUEST,
    requests: REQUESTS,
    bytesPerSpan: Math.round(requests.reduce((n, b) => n + b.length, 0) / (REQUESTS * SPANS_PER_REQUEST)),
    jsonBytesPerSpan: Math.round(jsonBodies.reduce((n, b) => n + b.length, 0) / (REQUESTS * SPANS_PER_REQUEST)),
    attributesPerSpan: { min: Math.min(...attrCounts), max: Math.max(...attrCounts) },
    results,
    speedupVsReflection: Number((decode.spansPerCpuSecond / reference.spansPerCpuSecond).toFixed(2)),
  };
  const out = JSON.stringify(report, null, 2);
  console.log(out);
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'otlp-decode.json'), `${out}\n`);
}

module.exports = { makeRequest, otlpJson };
if (require.main === module) main();

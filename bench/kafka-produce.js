#!/usr/bin/env node
/**
 * Micro-benchmark of kafkajs's produce-request encoding, stock vs with @tailstream/kafka's
 * kafkajs-speedups (native CRC32C, unzeroed Encoder buffers, in-place varints, one reservation per
 * encoder array, one-pass Produce encoder, one-buffer request framing). Run against the built
 * dist: `npx tsc -b packages/kafka` first.
 *
 * Stock and patched run in child processes of their own (the speedups patch kafkajs's module
 * cache at load, so they cannot share a process): the child builds the same messages from a fixed
 * seed, encodes Produce v7 requests exactly as the broker connection does (record batches per
 * partition, CRC32C, request framing) on one thread, and reports rates per CPU second:
 *   - messages like our span batches: 2,000 messages, value sizes 1-100 KB (log-normal, mean about
 *     16 KB), key = 32-hex trace ID, one string header; requests cut at 512 KiB across 8
 *     partitions like BatchingProducer's sendBatch calls
 *   - the same with gzip (ingest's default), values made compressible (to about a third)
 *   - the same with small messages (200 B-2 KB), where per-record overhead dominates
 *   - CRC32C alone over 512 KiB
 * The patched child also measures `previous`: the speedups without the one-pass Produce encoder
 * and framing (kafkajs's own produce/v3 and protocol/request exports, which the speedups keep
 * under STOCK_EXPORT), interleaved run by run with `patched` in the same process: the fairest
 * before/after figure on a shared machine. CPU time is process-wide (gzip runs on libuv threads).
 * The parent checks that all variants produced byte-identical requests (a hash of all of them),
 * prints JSON and writes bench/results/kafka-produce.json.
 * Usage: node bench/kafka-produce.js [--quick]
 */
'use strict';
const { execFileSync } = require('child_process');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');

const QUICK = process.argv.includes('--quick');
const MIN_MEASURE_MS = QUICK ? 300 : 1500;
const RUNS = QUICK ? 3 : 5;
const SEED = 20260214;
const REQUEST_BYTES = 512 * 1024;
const PARTITIONS = 8;

const { mulberry32 } = require('./lib/random');

/**
 * `count` messages with value sizes from `size(rand)`; grouped into requests of <= REQUEST_BYTES.
 * Values are random bytes, or with `compressible` pieces (8-64 B) of a 4 KiB random dictionary,
 * which gzip shrinks to about a third, in the range of Avro span batches with repeated strings.
 */
function makeRequests(count, size, compressible = false) {
  const rand = mulberry32(SEED);
  const dictionary = Buffer.from(Array.from({ length: 4096 }, () => Math.floor(rand() * 256)));
  const messages = [];
  for (let i = 0; i < count; i++) {
    const n = size(rand);
    const value = Buffer.allocUnsafe(n);
    if (compressible) {
      for (let j = 0; j < n; ) {
        const length = Math.min(8 + Math.floor(rand() * 57), n - j);
        const from = Math.floor(rand() * (dictionary.length - length));
        j += dictionary.copy(value, j, from, from + length);
      }
    } else {
      for (let j = 0; j < n; j += 4) value.writeUInt32LE((rand() * 2 ** 32) >>> 0, Math.min(j, n - 4));
    }
    const key = Buffer.from(Array.from({ length: 16 }, () => Math.floor(rand() * 256))).toString('hex');
    messages.push({ key, value, headers: { 'tailstream-schema': 'tailstream.SpanBatch/1' } });
  }
  const requests = [];
  let current = [];
  let bytes = 0;
  for (const m of messages) {
    if (current.length > 0 && bytes + m.value.length > REQUEST_BYTES) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(m);
    bytes += m.value.length;
  }
  if (current.length > 0) requests.push(current);
  // topicData as kafkajs's producer builds it: one topic, messages grouped by partition.
  return {
    messages: messages.length,
    bytes: messages.reduce((s, m) => s + m.value.length, 0),
    requests: requests.map((msgs) => {
      const byPartition = new Map();
      for (const m of msgs) {
        const p = parseInt(m.key.slice(0, 8), 16) % PARTITIONS;
        if (!byPartition.has(p)) byPartition.set(p, []);
        byPartition.get(p).push(m);
      }
      return [
        {
          topic: 'spans',
          partitions: [...byPartition].map(([partition, messages]) => ({ partition, firstSequence: 0, messages })),
        },
      ];
    }),
  };
}

/** ~16 KB mean, 1-100 KB: log-normal (median 12 KB, sigma 0.75), clamped. */
const spanBatchSize = (rand) => {
  const normal = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return Math.max(1024, Math.min(100 * 1024, Math.round(12 * 1024 * Math.exp(0.75 * normal))));
};
const smallSize = (rand) => 200 + Math.floor(rand() * 1800);

/** Runs each of `ops` ({ variant: op }) RUNS times, alternating variants run by run; medians. */
async function measure(name, unitsPerOp, bytesPerOp, ops) {
  const variants = Object.keys(ops);
  for (const v of variants) for (let i = 0; i < (QUICK ? 20 : 100); i++) await ops[v](i);
  const perCpu = Object.fromEntries(variants.map((v) => [v, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const v of run % 2 ? [...variants].reverse() : variants) {
      let n = 0;
      const cpu0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      while (Number(process.hrtime.bigint() - t0) < MIN_MEASURE_MS * 1e6) await ops[v](n++);
      const cpu = process.cpuUsage(cpu0);
      perCpu[v].push(n / ((cpu.user + cpu.system) / 1e6));
    }
  }
  return Object.fromEntries(
    variants.map((v) => {
      const opsPerCpuSecond = perCpu[v].sort((a, b) => a - b)[Math.floor(perCpu[v].length / 2)];
      return [
        v,
        {
          name,
          mbPerCpuSecond: Math.round((opsPerCpuSecond * bytesPerOp) / 1e5) / 10,
          usPerMessage: unitsPerOp ? Math.round(1e7 / (opsPerCpuSecond * unitsPerOp)) / 10 : undefined,
          usPerOp: Math.round(1e7 / opsPerCpuSecond) / 10,
        },
      ];
    }),
  );
}

async function child(variant) {
  // Messages carry no timestamp (as BatchingProducer's): kafkajs stamps them with Date.now(), fixed
  // here so that both variants' requests can be compared byte for byte.
  Date.now = () => 1_771_000_000_000;
  let info;
  if (variant === 'patched') info = require('../packages/kafka/dist/kafkajs-speedups').kafkaCodecInfo();
  const produce = require('kafkajs/src/protocol/requests/produce');
  const frame = require('kafkajs/src/protocol/request');
  const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C');
  const Long = require('kafkajs/src/utils/long');
  // Produce v7 (what brokers >= 2.1 negotiate, Kafka 4.x too), idempotent-producer fields.
  const args = (topicData, compression) => ({ acks: -1, timeout: 30000, compression, topicData, transactionalId: null, producerId: Long.fromInt(4711), producerEpoch: 0 });
  const encoders = {
    [variant]: async (topicData, compression) =>
      (await frame({ correlationId: 1, clientId: 'bench', request: produce.protocol({ version: 7 })(args(topicData, compression)).request })).buffer,
  };
  if (variant === 'patched') {
    // kafkajs's own produce/v3 request (v7 = v3 with apiVersion 7) and framing, on the patched Encoder
    const { STOCK_EXPORT } = require('../packages/kafka/dist/kafkajs-speedups');
    const v3 = require('kafkajs/src/protocol/requests/produce/v3/request')[STOCK_EXPORT];
    const stockFrame = frame[STOCK_EXPORT];
    encoders.previous = async (topicData, compression) =>
      (await stockFrame({ correlationId: 1, clientId: 'bench', request: Object.assign(v3(args(topicData, compression)), { apiVersion: 7 }) })).buffer;
  }

  const results = [];
  const hashes = {};
  for (const [name, count, size, compression, compressible] of [
    ['span-batch messages (1-100 KB, mean ~16 KB), 512 KiB requests, 8 partitions', 2000, spanBatchSize, 0, false],
    ['span-batch messages as above but compressible (gzip to ~1/3), gzip', QUICK ? 300 : 600, spanBatchSize, 1, true],
    ['small messages (200 B-2 KB), 512 KiB requests, 8 partitions', 20000, smallSize, 0, false],
  ]) {
    const data = makeRequests(count, size, compressible);
    for (const [v, encode] of Object.entries(encoders)) {
      const hash = crypto.createHash('sha256');
      for (const topicData of data.requests) hash.update(await encode(topicData, compression));
      hashes[`${name} (${v})`] = hash.digest('hex');
    }
    const ops = Object.fromEntries(
      Object.entries(encoders).map(([v, encode]) => [
        v,
        async () => {
          for (const topicData of data.requests) await encode(topicData, compression);
        },
      ]),
    );
    const r = await measure(name, data.messages, data.bytes, ops);
    const shape = { messages: data.messages, requests: data.requests.length, meanMessageBytes: Math.round(data.bytes / data.messages) };
    results.push(Object.fromEntries(Object.entries(r).map(([v, x]) => [v, { ...x, ...shape }])));
  }
  const block = crypto.randomBytes(REQUEST_BYTES);
  results.push(await measure('CRC32C of 512 KiB (recordBatch/crc32C)', 0, REQUEST_BYTES, { [variant]: () => crc32C(block) }));
  process.stdout.write(JSON.stringify({ variant, info, results, hashes }));
}

function main() {
  const run = (variant) =>
    JSON.parse(execFileSync(process.execPath, [__filename, '--child', variant, ...(QUICK ? ['--quick'] : [])], { encoding: 'utf8', maxBuffer: 1 << 24 }));
  const stock = run('stock');
  const patched = run('patched');
  for (const [key, hash] of Object.entries(patched.hashes)) {
    const stockKey = key.replace(/ \((patched|previous)\)$/, ' (stock)');
    if (stock.hashes[stockKey] !== hash) throw new Error(`encoding differs from stock for: ${key}`);
  }
  const ratio = (a, b) => Math.round((a.mbPerCpuSecond / b.mbPerCpuSecond) * 100) / 100;
  const cases = stock.results.map((s, i) => {
    const p = patched.results[i];
    const c = { name: s.stock.name, stock: s.stock, patched: p.patched, speedup: ratio(p.patched, s.stock) };
    if (p.previous) Object.assign(c, { previous: p.previous, speedupVsPrevious: ratio(p.patched, p.previous) });
    return c;
  });
  const result = {
    bench: 'kafka-produce',
    quick: QUICK,
    seed: SEED,
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version },
    kafkajs: require('kafkajs/package.json').version,
    patchedInfo: patched.info,
    byteIdentical: true,
    cases,
  };
  const text = `${JSON.stringify(result, null, 2)}\n`;
  process.stdout.write(text);
  const dir = path.join(__dirname, 'results');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'kafka-produce.json'), text);
}

if (process.argv[2] === '--child') {
  child(process.argv[3]).catch((error) => {
    console.error(error);
    process.exit(1);
  });
} else {
  main();
}

'use strict';
/**
 * Kafka for the benches: the broker (KAFKA_BROKERS, else the local broker of deploy/local,
 * started here and stopped at the end only if this run started it), topic set-up and clean-up
 * per prefix, and a preloader that writes records with explicit timestamps (the tail-sampler's
 * clock is the record timestamp, so a preload can replay traffic at a chosen data-time rate).
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const { Kafka, logLevel } = require('kafkajs');
const { compressionType, ensureTopics, topicNames } = require('@tailstream/kafka'); // also registers snappy with kafkajs
const { ROOT } = require('./workers');

const SCRIPT = path.join(ROOT, 'deploy', 'local', 'kafka.sh');

/** Uses KAFKA_BROKERS, or starts (if needed) the local broker. Returns brokers, pid (local only) and a stop(). */
function ensureBroker(say) {
  if (process.env.KAFKA_BROKERS) {
    return { brokers: process.env.KAFKA_BROKERS, local: false, started: false, pid: undefined, stop() {} };
  }
  const before = execFileSync('bash', [SCRIPT, 'status'], { encoding: 'utf8' }).trim();
  const started = !before.startsWith('running');
  if (started) say('starting the local Kafka broker (bash deploy/local/kafka.sh start)...');
  const status = execFileSync('bash', [SCRIPT, 'start'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const home = process.env.TAILSTREAM_KAFKA_HOME || path.join(ROOT, 'deploy', 'local', '.kafka');
  let pid;
  try {
    pid = Number(fs.readFileSync(path.join(home, 'broker.pid'), 'utf8').trim()) || undefined;
  } catch {
    pid = undefined;
  }
  return {
    brokers: status.replace(/^running\s+/, ''),
    local: true,
    started,
    pid,
    stop() {
      if (!started) return;
      say('stopping the local Kafka broker (this run started it)');
      execFileSync('bash', [SCRIPT, 'stop'], { stdio: 'ignore' });
    },
  };
}

/**
 * A kafkajs client for the bench process itself. Silent: right after topic creation the first
 * produce calls may hit "not the leader" while metadata propagates, which kafkajs retries.
 */
function benchKafka(brokers) {
  return new Kafka({ clientId: 'tailstream-bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 10 } });
}

/** Creates the pipeline's topics for `prefix` (the workers' own catalogue and configs). */
async function createTopics(kafka, prefix, partitions = 8) {
  await ensureTopics(kafka, { prefix, partitions, replicationFactor: 1 });
  return topicNames(prefix);
}

/** Deletes every topic and every (empty) consumer group whose name starts with `prefix`. */
async function deleteTopics(kafka, prefix) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics, timeout: 30_000 });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(prefix));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    return { topics: topics.length, groups: groups.length };
  } finally {
    await admin.disconnect();
  }
}

/**
 * Writes records `{ key, value, headers, timestamp (ms) }` to `topic` with acks=all, in send
 * calls of about `chunkBytes`, a few in flight. Same default partitioner as the workers'
 * producer (murmur2 of the key), so records land where ingest would have put them.
 * `compression`: none, gzip or snappy (the workers' codec names; snappy, their default, unless told).
 */
async function produceRecords(kafka, topic, records, { chunkBytes = 1 << 20, inFlight = 4, compression = 'snappy' } = {}) {
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: false, maxInFlightRequests: inFlight });
  await producer.connect();
  try {
    const chunks = [];
    let current = [];
    let bytes = 0;
    for (const r of records) {
      current.push({ key: r.key, value: r.value, headers: r.headers, timestamp: String(r.timestamp) });
      bytes += r.value.length;
      if (bytes >= chunkBytes) {
        chunks.push(current);
        current = [];
        bytes = 0;
      }
    }
    if (current.length > 0) chunks.push(current);
    let next = 0;
    const codec = compressionType(compression);
    if (codec === undefined) throw new Error(`produceRecords: unknown compression ${compression} (none, gzip or snappy)`);
    const lane = async () => {
      while (next < chunks.length) {
        const messages = chunks[next++];
        await producer.send({ topic, acks: -1, compression: codec, messages });
      }
    };
    await Promise.all(Array.from({ length: inFlight }, lane));
  } finally {
    await producer.disconnect();
  }
}

/**
 * Reads `topic` from the beginning with a throw-away consumer group until `count` records were
 * seen or `timeoutMs` passed; calls onRecord(message) for each. Returns the number read.
 */
async function readTopic(kafka, topic, count, onRecord, timeoutMs = 30_000) {
  const consumer = kafka.consumer({ groupId: `${topic}.bench-reader`, maxBytesPerPartition: 4 << 20 });
  let seen = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        seen++;
        onRecord(message);
      },
    });
    const deadline = Date.now() + timeoutMs;
    while (seen < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

module.exports = { ensureBroker, benchKafka, createTopics, deleteTopics, produceRecords, readTopic };

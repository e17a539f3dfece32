import type { Admin, Kafka } from 'kafkajs';
import { TOPIC_SPECS, topicNames, type TopicKey } from './topics';

export interface EnsureTopicsOptions {
  prefix: string;
  partitions: number;
  replicationFactor: number;
  /** Only these topics (default: all). */
  only?: TopicKey[];
  /** How long to wait for every partition of the created topics to have a leader (default 60 s). */
  leaderTimeoutMs?: number;
}

/** Metadata errors that only mean "not there yet": a broker that just started, or a topic just created. */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE', 'NOT_LEADER_OR_FOLLOWER', 'NOT_LEADER_FOR_PARTITION']);

/** A NOT_YET protocol error, also when kafkajs's retries wrapped it. */
function isNotYet(error: unknown): boolean {
  for (let e = error as { type?: string; originalError?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (e.type !== undefined && NOT_YET.has(e.type)) return true;
    e = (e.originalError ?? e.cause) as typeof e;
  }
  return false;
}

/**
 * Waits until every partition of `topics` has a leader. kafkajs's own wait (createTopics with
 * waitForLeaders) gives up on UNKNOWN_TOPIC_OR_PARTITION, which a broker answers for a topic it
 * created a moment ago while it is still starting.
 */
export async function waitForTopicLeaders(admin: Admin, topics: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      const waiting = found.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
      if (waiting.length === 0 && found.length === topics.length) return;
      last = `no leader yet for ${waiting.join(', ') || 'some topics'}`;
    } catch (error) {
      if (!isNotYet(error)) throw error;
      last = (error as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leader after ${timeoutMs} ms: ${last}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Creates missing topics with their configs; existing topics are left as they are. Returns the names created. */
export async function ensureTopics(kafka: Kafka, options: EnsureTopicsOptions): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const names = topicNames(options.prefix);
    const existing = new Set(await admin.listTopics());
    const keys = (options.only ?? (Object.keys(TOPIC_SPECS) as TopicKey[])).filter((k) => !existing.has(names[k]));
    if (keys.length === 0) return [];
    await admin.createTopics({
      waitForLeaders: false,
      topics: keys.map((k) => ({
        topic: names[k],
        numPartitions: options.partitions,
        replicationFactor: options.replicationFactor,
        configEntries: Object.entries(TOPIC_SPECS[k].configs).map(([name, value]) => ({ name, value })),
      })),
    });
    const created = keys.map((k) => names[k]);
    await waitForTopicLeaders(admin, created, options.leaderTimeoutMs);
    return created;
  } finally {
    await admin.disconnect();
  }
}

export interface TopicDescription {
  name: string;
  partitions: number;
  /** Sum over partitions of (high watermark − low watermark). */
  messages: number;
}

/** Partition counts and message counts of the pipeline's topics (missing topics are skipped). */
export async function describeTopics(kafka: Kafka, prefix: string): Promise<TopicDescription[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const out: TopicDescription[] = [];
    for (const name of Object.values(topicNames(prefix))) {
      if (!existing.has(name)) continue;
      const offsets = await admin.fetchTopicOffsets(name);
      const messages = offsets.reduce((sum, o) => sum + (Number(o.high) - Number(o.low)), 0);
      out.push({ name, partitions: offsets.length, messages });
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** Committed offset and metadata of each partition of `topic` for a consumer group (offset -1: none). */
export async function fetchCommitted(
  kafka: Kafka,
  groupId: string,
  topic: string,
): Promise<Map<number, { offset: bigint; metadata: string | null }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const out = new Map<number, { offset: bigint; metadata: string | null }>();
    for (const p of entry?.partitions ?? []) out.set(p.partition, { offset: BigInt(p.offset), metadata: p.metadata });
    return out;
  } finally {
    await admin.disconnect();
  }
}

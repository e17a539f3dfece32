import type { Kafka } from 'kafkajs';
import { TOPIC_SPECS, topicNames, type TopicKey } from './topics';

export interface EnsureTopicsOptions {
  prefix: string;
  partitions: number;
  replicationFactor: number;
  /** Only these topics (default: all). */
  only?: TopicKey[];
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
      waitForLeaders: true,
      topics: keys.map((k) => ({
        topic: names[k],
        numPartitions: options.partitions,
        replicationFactor: options.replicationFactor,
        configEntries: Object.entries(TOPIC_SPECS[k].configs).map(([name, value]) => ({ name, value })),
      })),
    });
    return keys.map((k) => names[k]);
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

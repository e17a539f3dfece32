import { randomBytes } from 'node:crypto';
import { decisionCodec, SCHEMA_HEADER } from '@tailstream/avro';
import { headerString, type BatchMemoryPool } from '@tailstream/kafka';
import type { Logger } from '@tailstream/telemetry';
import type { Consumer, Kafka } from 'kafkajs';
import type { DecisionCache } from './decision-cache';

/**
 * Most bytes one fetch of the decisions topic returns (kafkajs's default is 10 MiB). Catching up
 * a full topic at start reads a million small records or more; fetches this size keep the heap
 * that decoding them grows small (sampler bench with a million decisions pre-loaded: peak RSS
 * about 930 → 550 MiB); catching up a million decisions took as long as with 10 MiB (7.4-8.1 s).
 */
const FETCH_MAX_BYTES = 1024 * 1024;

/**
 * Reads the compacted decisions topic from the beginning, and then keeps following it, into the
 * decision cache. Every sampler instance follows all partitions (its own consumer group, no
 * commits), so when a rebalance hands it a partition, that partition's decisions are already
 * cached; `waitFor` blocks until the cache has caught up with a partition's current end.
 */
export class DecisionsTailer {
  private consumer: Consumer | undefined;
  private readonly position = new Map<number, bigint>();
  private readonly waiters: { partition: number; offset: bigint; resolve: () => void }[] = [];
  private undecodable = 0;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly cache: DecisionCache,
    private readonly logger: Logger,
    private readonly groupPrefix: string,
    /** Where decompressed batches lie (see useSnappyOutputPool): handed back after each batch, as the cache copies what it keeps. */
    private readonly memoryPool?: BatchMemoryPool,
  ) {}

  async start(): Promise<void> {
    const codec = decisionCodec();
    this.consumer = this.kafka.consumer({
      groupId: `${this.groupPrefix}-decisions-${randomBytes(6).toString('hex')}`,
      allowAutoTopicCreation: false,
      maxBytes: FETCH_MAX_BYTES,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await this.consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const held = this.memoryPool?.retainMessages(batch.messages);
        for (const message of batch.messages) {
          if (message.value) {
            try {
              const decision = codec.decode(message.value, headerString(message.headers, SCHEMA_HEADER));
              this.cache.set(decision.traceId, decision);
            } catch (error) {
              this.undecodable++;
              this.logger.warn({ err: error, partition: batch.partition, offset: message.offset }, 'skipping an undecodable decision');
            }
          }
        }
        if (held) this.memoryPool?.releaseAll(held);
        const last = batch.messages[batch.messages.length - 1];
        if (last) this.advance(batch.partition, BigInt(last.offset) + 1n);
      },
    });
  }

  /** Resolves once every decision of `partition` written before now is in the cache (or after `timeoutMs`). */
  async waitFor(partition: number, timeoutMs: number): Promise<boolean> {
    const admin = this.kafka.admin();
    await admin.connect();
    let end: bigint;
    try {
      const offsets = await admin.fetchTopicOffsets(this.topic);
      const p = offsets.find((o) => o.partition === partition);
      end = BigInt(p?.high ?? '0');
      const low = BigInt(p?.low ?? '0');
      if (end <= low) return true;
    } finally {
      await admin.disconnect();
    }
    if ((this.position.get(partition) ?? -1n) >= end) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.logger.warn({ partition, end: String(end) }, 'decision cache did not catch up in time; late spans may be misrouted');
        resolve(false);
      }, timeoutMs);
      this.waiters.push({
        partition,
        offset: end,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      });
    });
  }

  get undecodableCount(): number {
    return this.undecodable;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }

  private advance(partition: number, next: bigint): void {
    this.position.set(partition, next);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (w.partition === partition && next >= w.offset) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }
}

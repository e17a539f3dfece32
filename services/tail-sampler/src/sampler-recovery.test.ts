/**
 * What the sampler does when its output is not acknowledged: the partition is read again from its
 * last commit, records fetched before the seek took effect are ignored, and the traces whose output
 * failed are assembled and decided again (nothing lost, no commit past them meanwhile).
 */
import { MemoryBudget } from '@tailstream/assembly';
import { spanBatchCodec } from '@tailstream/avro';
import type { PartitionBatch } from '@tailstream/kafka';
import { createLogger, createRegistry } from '@tailstream/telemetry';
import { makeBatches } from '@tailstream/test-harness';
import type { KafkaMessage } from 'kafkajs';
import { DecisionCache } from './decision-cache';
import type { DecisionsTailer } from './decisions-tailer';
import type { DecisionEmitter } from './emitter';
import { createSamplerMetrics } from './metrics';
import type { PolicyHolder } from './policy-holder';
import { SamplerHandler } from './sampler-handler';

const TOPIC = 'spans';
const codec = spanBatchCodec();

function messages(fromOffset: number, count: number, timestampMs: number, seed: number): KafkaMessage[] {
  return makeBatches(count, 2, seed).map((batch, i) => ({
    offset: String(fromOffset + i),
    timestamp: String(timestampMs),
    key: null,
    value: codec.encode(batch),
    headers: codec.headers,
    attributes: 0,
    size: 0,
  })) as unknown as KafkaMessage[];
}

function batch(msgs: KafkaMessage[], highWatermark: number): PartitionBatch {
  return { topic: TOPIC, partition: 0, messages: msgs, highWatermark: String(highWatermark) };
}

describe('sampler recovery after a failed output', () => {
  it('re-reads from the last commit, ignores records fetched before the seek, and decides the traces again', async () => {
    const emitted: string[][] = [];
    let failNext = false;
    const emitter = {
      emit: async (traces: { traceId: Buffer }[]) => {
        if (traces.length === 0) return;
        if (failNext) {
          failNext = false;
          throw new Error('Kafka did not acknowledge');
        }
        emitted.push(traces.map((t) => t.traceId.toString('hex')));
      },
      forwardLate: async () => undefined,
    } as unknown as DecisionEmitter;
    const commits: bigint[] = [];
    const seeks: bigint[] = [];
    const handler = new SamplerHandler({
      cache: new DecisionCache(1000),
      tailer: { waitFor: async () => true } as unknown as DecisionsTailer,
      emitter,
      policies: { engine: {} } as unknown as PolicyHolder,
      deadLetters: { send: async () => undefined } as never,
      metrics: createSamplerMetrics(createRegistry('test')),
      logger: createLogger({ name: 'test', level: 'silent' }),
      budget: new MemoryBudget(),
      bufferConfig: () => ({ decisionWaitMs: 1000, decisionWaitAfterRootMs: 0 }),
      committedMetadata: async () => null,
      commit: async (_t, _p, offset) => void commits.push(offset),
      seek: (_t, _p, offset) => void seeks.push(offset),
      highWatermarks: async () => new Map([[0, 100n]]),
      idleAdvanceMs: 60_000,
      catchUpTimeoutMs: 10,
    });
    await handler.onAssigned(TOPIC, 0);

    // offsets 0-2 at t=1000 (3 traces), then offset 3 at t=2500 makes them due: emitted and committed.
    await handler.handleBatch(batch(messages(0, 3, 1000, 1), 4));
    await handler.handleBatch(batch(messages(3, 1, 2500, 2), 4));
    expect(emitted).toHaveLength(1);
    expect(emitted[0]).toHaveLength(3);
    expect(commits.at(-1)).toBe(3n); // offset 3 is still held by an undecided trace

    // offsets 4-5 at t=2600; offset 6 at t=4000 makes offsets 3-5 due, but the output fails.
    await handler.handleBatch(batch(messages(4, 2, 2600, 3), 7));
    failNext = true;
    const before = commits.length;
    await handler.handleBatch(batch(messages(6, 1, 4000, 4), 7));
    expect(seeks).toEqual([3n]); // back to the last commit
    expect(commits).toHaveLength(before); // nothing committed past the failed traces

    // A batch fetched before the seek took effect (offset 7) is ignored...
    await handler.handleBatch(batch(messages(7, 1, 4100, 5), 8));
    expect(emitted).toHaveLength(1);
    // ...then the re-read from offset 3 assembles the failed traces again and emits them.
    await handler.handleBatch(
      batch([...messages(3, 1, 2500, 2), ...messages(4, 2, 2600, 3), ...messages(6, 1, 4000, 4), ...messages(7, 1, 4100, 5)], 8),
    );
    expect(emitted).toHaveLength(2);
    const again = new Set(emitted[1]);
    for (const m of [...messages(3, 1, 2500, 2), ...messages(4, 2, 2600, 3)]) {
      expect(again.has(codec.decode(m.value as Buffer, 'span-batch.v2').traceId.toString('hex'))).toBe(true);
    }
    expect(commits.at(-1)).toBe(6n);
  });
});

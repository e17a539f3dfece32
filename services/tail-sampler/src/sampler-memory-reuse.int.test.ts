import { spanBatchCodec } from '@tailstream/avro';
import { BatchMemoryPool, createKafka, ensureTopics, topicNames, useSnappyOutputPool } from '@tailstream/kafka';
import { toHex } from '@tailstream/model';
import { createLogger } from '@tailstream/telemetry';
import { metricSum, scrapeMetrics, testInfra, uniqueGroupId, uniqueTopicPrefix } from '@tailstream/test-harness';
import { CompressionTypes, type Kafka, type Producer } from 'kafkajs';
import { OutputCollector, waitUntil } from './test-support/kafka-io';
import { ERRORS_AND_EVERYTHING_POLICY, testSamplerConfig, writePolicyFile } from './test-support/sampler-setup';
import { makeTrace, type TestTrace } from './test-support/traces';
import { startSampler, type RunningSampler } from './worker';

// Decompressed record batches lie in blocks of reused memory (memory.reuseBatchMemory), handed
// back once no handler and no buffered trace reads them. Here every block handed back is filled
// with 0xEE at once: a block released while a trace still read it would corrupt that trace's
// kept spans (or make its record undecodable), which the exact comparison below would show.

const PARTITIONS = 4;
const WAVES = 4;
const TRACES_PER_WAVE = 60;
const RECORDS_PER_TRACE = 3;

jest.setTimeout(120_000);

describe('tail-sampler reading snappy batches through reused memory (real broker)', () => {
  const brokers = testInfra().kafkaBrokers;
  const logger = createLogger({ name: 'sampler-reuse-it', level: process.env.SAMPLER_IT_LOG ?? 'silent' });
  const prefix = uniqueTopicPrefix('reuse');
  const topics = topicNames(prefix);
  const pool = useSnappyOutputPool(new BatchMemoryPool({ poisonReleased: true }));
  let kafka: Kafka;
  let producer: Producer;
  let sampler: RunningSampler | undefined;
  let out: OutputCollector;

  beforeAll(async () => {
    kafka = createKafka({ brokers: brokers.split(','), clientId: 'sampler-reuse-it' }, logger);
    await ensureTopics(kafka, { prefix, partitions: PARTITIONS, replicationFactor: 1 });
    producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    out = new OutputCollector(kafka, topics);
    await out.start();
    const policyFile = writePolicyFile(ERRORS_AND_EVERYTHING_POLICY);
    sampler = await startSampler(testSamplerConfig({ brokers, prefix, groupId: uniqueGroupId('sampler-reuse'), policyFile, partitions: PARTITIONS }), { logger });
  });

  afterAll(async () => {
    await sampler?.stop();
    await producer?.disconnect();
    await out?.stop();
  });

  it('keeps every span exactly as produced while the blocks its batches lay in are reused', async () => {
    expect(useSnappyOutputPool(new BatchMemoryPool())).toBe(pool); // the worker uses the poisoning pool
    const codec = spanBatchCodec();
    const all: TestTrace[] = [];
    for (let wave = 0; wave < WAVES; wave++) {
      const traces = Array.from({ length: TRACES_PER_WAVE }, (_, i) =>
        makeTrace({ index: wave * TRACES_PER_WAVE + i, seed: 77, spanCount: 3 + (i % 10), records: RECORDS_PER_TRACE, services: ['checkout', 'payments', 'stock'] }),
      );
      all.push(...traces);
      // Record r of every trace of the wave in one snappy send: each decompressed batch holds parts
      // of many traces, and each trace reads from several batches, decided at different times.
      for (let r = 0; r < RECORDS_PER_TRACE; r++) {
        await producer.send({
          topic: topics.spans,
          acks: -1,
          compression: CompressionTypes.Snappy,
          messages: traces.filter((t) => t.batches[r]).map((t) => ({ key: t.hex, value: codec.encode(t.batches[r]!), headers: codec.headers })),
        });
      }
      // The next wave's batches are decompressed into the blocks this wave's traces hand back.
      await waitUntil(() => out.decidedTraces().size >= all.length, 60_000, () => `${out.decidedTraces().size} of ${all.length} traces decided`);
    }
    await waitUntil(
      () => all.every((t) => out.keptSpanKeys(t.hex).size >= t.spanKeys.size),
      30_000,
      () => `${all.filter((t) => out.keptSpanKeys(t.hex).size < t.spanKeys.size).length} traces not fully kept yet`,
    );

    for (const t of all) {
      expect(out.decisionsOf(t.hex)).toHaveLength(1);
      expect(out.keptSpanKeys(t.hex)).toEqual(t.spanKeys);
      expect(out.summariesOf(t.hex).map((s) => toHex(s.traceId))).toEqual([t.hex]);
    }
    const metrics = await scrapeMetrics(sampler!.opsPort);
    expect(metricSum(metrics, 'tailstream_sampler_batch_memory_blocks_total', { source: 'reused' })).toBeGreaterThan(0);
    expect(metricSum(metrics, 'tailstream_sampler_batch_memory_blocks_total', { source: 'reused' })).toBe(pool.reused);
    expect(metricSum(metrics, 'tailstream_sampler_dead_lettered_total')).toBe(0);
  });
});

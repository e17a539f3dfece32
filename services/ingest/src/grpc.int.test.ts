import * as grpc from '@grpc/grpc-js';
import { spanBatchCodec, SCHEMA_HEADER } from '@tailstream/avro';
import { createKafka, headerString, topicNames } from '@tailstream/kafka';
import { toHex, type SpanBatch } from '@tailstream/model';
import { encodeExportTraceServiceRequest } from '@tailstream/otlp';
import { createLogger } from '@tailstream/telemetry';
import { makeBatches, testInfra, uniqueGroupId, uniqueTopicPrefix } from '@tailstream/test-harness';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { loadIngestConfig } from './config';
import { traceServiceDefinition, type ExportReply } from './grpc-receiver';
import { startIngest, type RunningIngest } from './worker';

const logger = createLogger({ name: 'test', level: 'silent' });
const TraceServiceClient = grpc.makeGenericClientConstructor(traceServiceDefinition, 'TraceService');

/** Reads `count` messages of a topic from the beginning (own group), or fails after 60 s. */
async function readTopic(kafka: Kafka, topic: string, count: number): Promise<KafkaMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueGroupId('read') });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  const messages: KafkaMessage[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${messages.length} of ${count} messages from ${topic}`)), 60000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

describe('ingest OTLP/gRPC → Kafka (shared broker)', () => {
  let ingest: RunningIngest;
  let kafka: Kafka;
  let client: grpc.Client;
  let gzipClient: grpc.Client;
  const prefix = uniqueTopicPrefix('ingest-grpc');

  const exportCall = (on: grpc.Client, batches: SpanBatch[]): Promise<ExportReply> =>
    new Promise((resolve, reject) => {
      on.makeUnaryRequest<Buffer, ExportReply>(
        traceServiceDefinition.Export.path,
        traceServiceDefinition.Export.requestSerialize,
        traceServiceDefinition.Export.responseDeserialize,
        encodeExportTraceServiceRequest(batches),
        new grpc.Metadata(),
        { deadline: Date.now() + 30_000 },
        (error, reply) => (error ? reject(error) : resolve(reply!)),
      );
    });

  beforeAll(async () => {
    const brokers = testInfra().kafkaBrokers;
    const config = loadIngestConfig({
      env: {},
      overrides: {
        'kafka.brokers': brokers.split(','),
        'kafka.topicPrefix': prefix,
        'ops.port': 0,
        'otlpHttp.port': 0,
        'grpc.port': 0,
        'topics.partitions': 3,
        'producer.lingerMs': 1,
      },
    });
    ingest = await startIngest(config, { logger });
    kafka = createKafka({ brokers: brokers.split(','), clientId: 'ingest-grpc-test' }, logger);
    const address = `127.0.0.1:${ingest.otlpGrpcPort!}`;
    client = new TraceServiceClient(address, grpc.credentials.createInsecure());
    gzipClient = new TraceServiceClient(address, grpc.credentials.createInsecure(), { 'grpc.default_compression_algorithm': 2 });
  });
  afterAll(async () => {
    client?.close();
    gzipClient?.close();
    await ingest?.stop();
  });

  it('is ready with the gRPC listener up', async () => {
    const res = await fetch(`http://127.0.0.1:${ingest.opsPort}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('otlp_grpc');
  });

  it('writes every span of plain and gzip Export calls to the spans topic, span by span equal to the input; partial_success for invalid spans', async () => {
    const plain = makeBatches(5, 4, 71);
    const gzipped = makeBatches(3, 2, 72);
    const partial = makeBatches(2, 3, 73);
    partial[0]!.spans[1]!.name = '';
    expect(await exportCall(client, plain)).toEqual({ rejectedSpans: 0, errorMessage: '' });
    expect(await exportCall(gzipClient, gzipped)).toEqual({ rejectedSpans: 0, errorMessage: '' });
    const reply = await exportCall(client, partial);
    expect(reply.rejectedSpans).toBe(1);
    expect(reply.errorMessage).not.toBe('');

    const codec = spanBatchCodec();
    const byTrace = new Map<string, SpanBatch>();
    for (const m of await readTopic(kafka, topicNames(prefix).spans, 5 + 3 + 2)) {
      const batch = codec.decode(m.value as Buffer, headerString(m.headers, SCHEMA_HEADER));
      expect(m.key?.toString()).toBe(toHex(batch.traceId));
      expect(byTrace.has(toHex(batch.traceId))).toBe(false);
      byTrace.set(toHex(batch.traceId), batch);
    }
    for (const sent of [...plain, ...gzipped]) {
      const got = byTrace.get(toHex(sent.traceId));
      expect(got).toBeDefined();
      expect(got!.receivedAtUnixNano).toBeGreaterThan(0n);
      expect(got!.spans).toEqual(sent.spans);
      expect(got!.resources).toEqual(sent.resources);
      expect(got!.scopes).toEqual(sent.scopes);
    }
    expect(byTrace.get(toHex(partial[0]!.traceId))?.spans).toEqual([partial[0]!.spans[0], partial[0]!.spans[2]]);
    expect(byTrace.get(toHex(partial[1]!.traceId))?.spans).toEqual(partial[1]!.spans);

    const metrics = await (await fetch(`http://127.0.0.1:${ingest.opsPort}/metrics`)).text();
    expect(metrics).toMatch(/tailstream_ingest_requests_total\{transport="grpc",code="OK",service="ingest"\} 3/);
    expect(metrics).toMatch(/tailstream_ingest_spans_accepted_total\{transport="grpc",service="ingest"\} 31/);
    expect(metrics).toMatch(/tailstream_ingest_spans_rejected_total\{transport="grpc",reason="missing_name",service="ingest"\} 1/);
  });
});

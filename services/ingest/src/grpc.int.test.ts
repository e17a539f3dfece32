import * as grpc from '@grpc/grpc-js';
import { spanBatchCodec, SCHEMA_HEADER } from '@tailstream/avro';
import { createKafka, headerString, topicNames } from '@tailstream/kafka';
import { toHex, type SpanBatch } from '@tailstream/model';
import { encodeExportTraceServiceRequest } from '@tailstream/otlp';
import { createLogger } from '@tailstream/telemetry';
import { makeBatches, readMessages, testInfra, uniqueTopicPrefix } from '@tailstream/test-harness';
import type { Kafka } from 'kafkajs';

import { traceServiceDefinition, type ExportReply } from './grpc-receiver';
import { ingestTestConfig } from './test-support/config';
import { startIngest, type RunningIngest } from './worker';

const logger = createLogger({ name: 'test', level: 'silent' });
const TraceServiceClient = grpc.makeGenericClientConstructor(traceServiceDefinition, 'TraceService');

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
    const config = ingestTestConfig(brokers, prefix);
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
    for (const m of await readMessages(kafka, topicNames(prefix).spans, 5 + 3 + 2)) {
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

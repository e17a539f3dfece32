import { gzipSync } from 'node:zlib';
import { spanBatchCodec, SCHEMA_HEADER } from '@tailstream/avro';
import { createKafka, DLQ_HEADERS, headerString, topicNames } from '@tailstream/kafka';
import { toHex, type SpanBatch } from '@tailstream/model';
import { encodeExportTraceServiceRequest } from '@tailstream/otlp';
import { createLogger } from '@tailstream/telemetry';
import { readMessages, startPrivateBroker, testInfra, uniqueTopicPrefix, type PrivateBroker } from '@tailstream/test-harness';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { makeBatches } from '@tailstream/test-harness';
import { ingestTestConfig as configFor } from './test-support/config';
import { startIngest, type RunningIngest } from './worker';

const logger = createLogger({ name: 'test', level: 'silent' });

function decodeAll(messages: KafkaMessage[]): Map<string, SpanBatch[]> {
  const codec = spanBatchCodec();
  const byTrace = new Map<string, SpanBatch[]>();
  for (const m of messages) {
    const batch = codec.decode(m.value as Buffer, headerString(m.headers, SCHEMA_HEADER));
    expect(m.key?.toString()).toBe(toHex(batch.traceId));
    const list = byTrace.get(toHex(batch.traceId)) ?? [];
    list.push(batch);
    byTrace.set(toHex(batch.traceId), list);
  }
  return byTrace;
}

function post(port: number, body: Buffer, headers: Record<string, string>): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/v1/traces`, { method: 'POST', body, headers });
}

describe('ingest → Kafka (shared broker)', () => {
  let ingest: RunningIngest;
  let kafka: Kafka;
  const prefix = uniqueTopicPrefix('ingest');
  const topics = topicNames(prefix);

  beforeAll(async () => {
    const brokers = testInfra().kafkaBrokers;
    ingest = await startIngest(configFor(brokers, prefix, { 'otlpKafka.enabled': true }), { logger });
    kafka = createKafka({ brokers: brokers.split(','), clientId: 'ingest-test' }, logger);
  });
  afterAll(async () => {
    await ingest?.stop();
  });

  it('writes every span of protobuf, gzip and JSON requests to the spans topic, span by span equal to the input', async () => {
    const protobufBatches = makeBatches(5, 4, 11);
    const gzipBatches = makeBatches(3, 2, 12);
    const r1 = await post(ingest.otlpHttpPort!, encodeExportTraceServiceRequest(protobufBatches), { 'content-type': 'application/x-protobuf' });
    expect(r1.status).toBe(200);
    expect(Buffer.from(await r1.arrayBuffer()).length).toBe(0); // full success: empty ExportTraceServiceResponse
    const r2 = await post(ingest.otlpHttpPort!, gzipSync(encodeExportTraceServiceRequest(gzipBatches)), {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'gzip',
    });
    expect(r2.status).toBe(200);
    const jsonTraceId = 'aabbccddeeff00112233445566778899';
    const now = BigInt(Date.now()) * 1_000_000n;
    const json = {
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-svc' } }] },
          scopeSpans: [
            {
              scope: { name: 'json' },
              spans: [
                {
                  traceId: jsonTraceId,
                  spanId: '0102030405060708',
                  name: 'json-span',
                  kind: 'SPAN_KIND_SERVER',
                  startTimeUnixNano: String(now - 1000n),
                  endTimeUnixNano: String(now),
                  attributes: [{ key: 'n', value: { intValue: '42' } }],
                  status: { code: 2, message: 'bad' },
                },
              ],
            },
          ],
        },
      ],
    };
    const r3 = await post(ingest.otlpHttpPort!, Buffer.from(JSON.stringify(json)), { 'content-type': 'application/json' });
    expect(r3.status).toBe(200);
    expect(await r3.json()).toEqual({});

    const byTrace = decodeAll(await readMessages(kafka, topics.spans, 9));
    for (const sent of [...protobufBatches, ...gzipBatches]) {
      const [got] = byTrace.get(toHex(sent.traceId)) ?? [];
      expect(got).toBeDefined();
      expect(got!.receivedAtUnixNano).toBeGreaterThan(0n);
      expect(got!.spans).toEqual(sent.spans);
      expect(got!.resources).toEqual(sent.resources);
      expect(got!.scopes).toEqual(sent.scopes);
    }
    const [jsonBatch] = byTrace.get(jsonTraceId) ?? [];
    expect(jsonBatch?.spans[0]).toMatchObject({ name: 'json-span', kind: 2, statusCode: 2, statusMessage: 'bad', endTimeUnixNano: now });
    expect(jsonBatch?.resources[0]?.serviceName).toBe('json-svc');
  });

  it('answers partial_success for invalid spans and still writes the valid ones', async () => {
    const batches = makeBatches(2, 3, 21);
    batches[0]!.spans[1]!.name = '';
    batches[1]!.spans[2]!.endTimeUnixNano = batches[1]!.spans[2]!.startTimeUnixNano - 1n;
    const res = await post(ingest.otlpHttpPort!, Buffer.from(encodeExportTraceServiceRequest(batches)), { 'content-type': 'application/json' }).catch(() => undefined);
    // JSON content type with a protobuf body is undecodable: 400
    expect(res?.status).toBe(400);
    const ok = await post(ingest.otlpHttpPort!, encodeExportTraceServiceRequest(batches), { 'content-type': 'application/x-protobuf' });
    expect(ok.status).toBe(200);
    const body = Buffer.from(await ok.arrayBuffer());
    // partial_success { rejected_spans: 2 }: field 1 (len) { field 1 varint 2, field 2 message }
    expect(body[0]).toBe(0x0a);
    expect(body.subarray(2, 4)).toEqual(Buffer.from([0x08, 0x02]));
    const metrics = await (await fetch(`http://127.0.0.1:${ingest.opsPort}/metrics`)).text();
    expect(metrics).toMatch(/tailstream_ingest_spans_rejected_total\{transport="http_protobuf",reason="missing_name",service="ingest"\} 1/);
    expect(metrics).toMatch(/tailstream_ingest_spans_rejected_total\{transport="http_protobuf",reason="end_before_start",service="ingest"\} 1/);
  });

  it('consumes OTLP records from the Collector topic and dead-letters undecodable ones', async () => {
    const producer = kafka.producer();
    await producer.connect();
    const batches = makeBatches(4, 2, 31);
    await producer.send({
      topic: topics.otlp,
      messages: [
        { value: encodeExportTraceServiceRequest(batches), partition: 0 },
        { value: Buffer.from([0xff, 0x01, 0x02]), partition: 0 },
      ],
    });
    await producer.disconnect();
    const dlq = await readMessages(kafka, topics.deadLetter, 1);
    expect(dlq[0]?.value).toEqual(Buffer.from([0xff, 0x01, 0x02]));
    expect(headerString(dlq[0]?.headers, DLQ_HEADERS.reason)).toBe('invalid_protobuf');
    expect(headerString(dlq[0]?.headers, DLQ_HEADERS.topic)).toBe(topics.otlp);
    expect(headerString(dlq[0]?.headers, DLQ_HEADERS.offset)).toBe('1');
    const all = decodeAll(await readMessages(kafka, topics.spans, 9 + 2 + 4));
    for (const sent of batches) {
      const got = all.get(toHex(sent.traceId));
      expect(got?.flatMap((b) => b.spans)).toEqual(sent.spans);
    }
  });
});

describe('ingest when the broker goes away', () => {
  let broker: PrivateBroker;
  let ingest: RunningIngest | undefined;
  const prefix = uniqueTopicPrefix('ingest-fault');

  beforeAll(async () => {
    broker = await startPrivateBroker();
  }, 120000);
  afterAll(async () => {
    await ingest?.stop();
    await broker?.destroy();
  });

  it('answers 503 with Retry-After while Kafka is down, and loses no acknowledged span after it returns', async () => {
    ingest = await startIngest(configFor(broker.brokers, prefix, { 'kafka.retries': 2, 'kafka.requestTimeoutMs': 3000, 'kafka.connectionTimeoutMs': 1000 }), { logger });
    const acknowledged: SpanBatch[] = [];
    const send = async (batches: SpanBatch[]): Promise<number> => {
      const res = await post(ingest!.otlpHttpPort!, encodeExportTraceServiceRequest(batches), { 'content-type': 'application/x-protobuf' });
      if (res.status === 200) acknowledged.push(...batches);
      else expect(res.headers.get('retry-after')).toBe('2');
      return res.status;
    };
    expect(await send(makeBatches(3, 2, 41))).toBe(200);

    await broker.stop();
    const during: number[] = [];
    for (let i = 0; i < 3; i++) during.push(await send(makeBatches(2, 2, 50 + i)));
    expect(during).toContain(503);
    expect(during.every((s) => s === 503 || s === 200)).toBe(true);

    await broker.start();
    let status = 0;
    for (let attempt = 0; attempt < 30 && status !== 200; attempt++) {
      status = await send(makeBatches(2, 2, 60 + attempt));
      if (status !== 200) await new Promise((r) => setTimeout(r, 2000));
    }
    expect(status).toBe(200);

    const kafka = createKafka({ brokers: [broker.brokers], clientId: 'fault-test' }, logger);
    const byTrace = decodeAll(await readMessages(kafka, topicNames(prefix).spans, acknowledged.length));
    for (const sent of acknowledged) {
      const got = byTrace.get(toHex(sent.traceId))?.flatMap((b) => b.spans);
      expect(got).toEqual(expect.arrayContaining(sent.spans.map((s) => expect.objectContaining({ spanId: s.spanId }))));
    }
  }, 240000);
});

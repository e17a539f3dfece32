import { toHex } from '@tailstream/model';
import { decodeOtlpTraces } from '@tailstream/otlp';
import { DEFAULT_START_TIME_UNIX_NANO, TrafficGenerator } from './generator';
import { produceOtlpToKafka, type OtlpKafkaRecord } from './send-kafka';

function recordingProducer(failOnCall?: number) {
  const sends: Array<{ topic: string; messages: OtlpKafkaRecord[] }> = [];
  return {
    sends,
    send: async (topic: string, messages: OtlpKafkaRecord[]): Promise<void> => {
      sends.push({ topic, messages });
      if (sends.length === failOnCall) throw new Error('broker unavailable');
    },
  };
}

describe('produceOtlpToKafka', () => {
  test.each(['protobuf', 'json'] as const)('writes one keyless %s ExportTraceServiceRequest record per request', async (encoding) => {
    const requests = [...new TrafficGenerator({ seed: 31, traces: 120, spansPerRequest: 100 })];
    const producer = recordingProducer();
    const result = await produceOtlpToKafka({
      producer,
      topic: 'otlp_spans',
      source: requests,
      encoding,
      messagesPerSend: 4,
      concurrency: 1,
    });
    const records = producer.sends.flatMap((s) => s.messages);
    expect(new Set(producer.sends.map((s) => s.topic))).toEqual(new Set(['otlp_spans']));
    expect(producer.sends.every((s) => s.messages.length <= 4)).toBe(true);
    expect(records).toHaveLength(requests.length);
    expect(records.every((r) => r.key === null)).toBe(true);
    const received = records.flatMap((r) => {
      const decoded = decodeOtlpTraces(r.value, encoding, { nowNs: DEFAULT_START_TIME_UNIX_NANO });
      expect(decoded.rejectedCount).toBe(0);
      return decoded.batches.flatMap((b) => b.spans.map((s) => toHex(s.spanId)));
    });
    const sent = requests.flatMap((q) => q.batches.flatMap((b) => b.spans.map((s) => toHex(s.spanId))));
    expect(received.sort()).toEqual(sent.sort());
    expect(result).toMatchObject({
      requests: requests.length,
      requestsAccepted: requests.length,
      spansAccepted: sent.length,
      spansFailed: 0,
    });
  });

  test('a failed send counts its spans as failed and the rest still goes out', async () => {
    const requests = [...new TrafficGenerator({ seed: 32, traces: 60, spansPerRequest: 100 })];
    const producer = recordingProducer(2);
    const result = await produceOtlpToKafka({ producer, topic: 't', source: requests, messagesPerSend: 2, concurrency: 1 });
    const failedSpans = producer.sends[1]!.messages.length;
    expect(failedSpans).toBe(2);
    expect(result.requestsFailed).toBe(2);
    expect(result.requestsAccepted).toBe(requests.length - 2);
    expect(result.lastError).toBe('Kafka send failed: broker unavailable');
    expect(result.statuses).toEqual({ acked: producer.sends.length - 1, error: 1 });
  });

  test('stops at maxRequests', async () => {
    const producer = recordingProducer();
    const generator = new TrafficGenerator({ seed: 33, lateRate: 0, splitRate: 0 });
    const result = await produceOtlpToKafka({ producer, topic: 't', source: generator, maxRequests: 5 });
    expect(result.requests).toBe(5);
    expect(generator.done).toBe(true);
  });
});

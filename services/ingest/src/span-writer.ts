import { SCHEMA_HEADER, SPAN_BATCH_SCHEMA_ID } from '@tailstream/avro';
import type { BatchingProducer } from '@tailstream/kafka';
import { toHex } from '@tailstream/model';
import type { TraceBatchMessage } from '@tailstream/otlp';

/** Writer-schema header of every message (one object, shared). */
const HEADERS: Record<string, string> = { [SCHEMA_HEADER]: SPAN_BATCH_SCHEMA_ID };

/** Writes span-batch messages to the spans topic: Avro value as transcoded, key = trace ID hex, writer-schema header. */
export class SpanBatchWriter {
  constructor(
    private readonly producer: BatchingProducer,
    private readonly topic: string,
  ) {}

  /** Resolves when Kafka acknowledged every message; rejects (KafkaWriteError) otherwise. */
  async write(messages: readonly TraceBatchMessage[]): Promise<void> {
    await Promise.all(messages.map((m) => this.producer.send(this.topic, { key: toHex(m.traceId), value: m.value, headers: HEADERS })));
  }

  get pendingBytes(): number {
    return this.producer.pendingBytes;
  }
}

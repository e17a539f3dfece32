import { spanBatchCodec } from '@tailstream/avro';
import type { BatchingProducer } from '@tailstream/kafka';
import { toHex, type SpanBatch } from '@tailstream/model';

/** Writes span batches to the spans topic: Avro value, key = trace ID hex, writer-schema header. */
export class SpanBatchWriter {
  private readonly codec = spanBatchCodec();

  constructor(
    private readonly producer: BatchingProducer,
    private readonly topic: string,
  ) {}

  /** Resolves when Kafka acknowledged every batch; rejects (KafkaWriteError) otherwise. */
  async write(batches: SpanBatch[], receivedAtUnixNano: bigint): Promise<void> {
    const headers = this.codec.headers;
    await Promise.all(
      batches.map((batch) => {
        batch.receivedAtUnixNano = receivedAtUnixNano;
        return this.producer.send(this.topic, { key: toHex(batch.traceId), value: this.codec.encode(batch), headers });
      }),
    );
  }

  get pendingBytes(): number {
    return this.producer.pendingBytes;
  }
}

/** Current wall-clock time in ns since the epoch. */
export function nowUnixNano(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

import type { DeadLetterWriter, PartitionBatch, PartitionHandler } from '@tailstream/kafka';
import type { Logger } from '@tailstream/telemetry';
import { UndecodableError, type TraceDecoder } from './decode';
import type { IngestMetrics } from './metrics';
import type { SpanBatchWriter } from './span-writer';

/**
 * Consumes OTLP records written by OpenTelemetry Collectors' Kafka exporter (`otlp_proto` or
 * `otlp_json`), validates them like HTTP requests, and writes span batches. A fetched batch's offset
 * is committed only after every span batch made from it was acknowledged; undecodable records go to
 * the dead-letter topic (and count as handled).
 */
export class KafkaOtlpReceiver implements PartitionHandler {
  constructor(
    private readonly encoding: 'protobuf' | 'json',
    private readonly decode: TraceDecoder,
    private readonly writer: SpanBatchWriter,
    private readonly deadLetters: DeadLetterWriter,
    private readonly metrics: IngestMetrics,
    private readonly logger: Logger,
    private readonly commit: (topic: string, partition: number, offset: bigint) => Promise<void>,
  ) {}

  async handleBatch(batch: PartitionBatch): Promise<void> {
    const writes: Promise<void>[] = [];
    for (const message of batch.messages) {
      const value = message.value ?? Buffer.alloc(0);
      this.metrics.bytesIn.inc({ transport: 'kafka_otlp' }, value.length);
      try {
        const outcome = this.decode(value, this.encoding);
        this.metrics.requests.inc({ transport: 'kafka_otlp', code: outcome.rejectedSpans > 0 ? 'partial' : 'ok' });
        this.metrics.spansReceived.inc({ transport: 'kafka_otlp' }, outcome.acceptedSpans + outcome.rejectedSpans);
        for (const [reason, n] of outcome.rejectedByReason) this.metrics.spansRejected.inc({ transport: 'kafka_otlp', reason }, n);
        for (const [kind, n] of outcome.truncations) this.metrics.truncations.inc({ kind }, n);
        if (outcome.messages.length > 0) {
          writes.push(this.writer.write(outcome.messages).then(() => this.metrics.spansAccepted.inc({ transport: 'kafka_otlp' }, outcome.acceptedSpans)));
        }
      } catch (error) {
        if (!(error instanceof UndecodableError)) throw error;
        this.metrics.requests.inc({ transport: 'kafka_otlp', code: 'undecodable' });
        this.metrics.deadLettered.inc({ reason: error.reason });
        this.logger.warn({ topic: batch.topic, partition: batch.partition, offset: message.offset, reason: error.reason }, 'dead-lettering an undecodable OTLP record');
        writes.push(
          this.deadLetters.send({
            sourceTopic: batch.topic,
            sourcePartition: batch.partition,
            sourceOffset: message.offset,
            reason: error.reason,
            error: error.message,
            key: message.key,
            value: message.value,
          }),
        );
      }
    }
    // Throws (and so re-fetches from the last commit) if Kafka did not acknowledge everything.
    await Promise.all(writes);
    const last = batch.messages[batch.messages.length - 1];
    if (last) await this.commit(batch.topic, batch.partition, BigInt(last.offset) + 1n);
  }
}

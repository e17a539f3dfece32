import type { BatchingProducer } from './producer';

/** Where a dead-lettered record came from and why it could not be processed. */
export interface DeadLetter {
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  /** Short machine-readable reason, e.g. `undecodable_avro`. */
  reason: string;
  /** Human-readable detail. */
  error: string;
  key: Buffer | string | null;
  value: Buffer | null;
}

export const DLQ_HEADERS = {
  reason: 'tailstream-dlq-reason',
  error: 'tailstream-dlq-error',
  topic: 'tailstream-dlq-source-topic',
  partition: 'tailstream-dlq-source-partition',
  offset: 'tailstream-dlq-source-offset',
  worker: 'tailstream-dlq-worker',
} as const;

/** Writes poison records, unchanged, to the dead-letter topic with their reason and origin in headers. */
export class DeadLetterWriter {
  constructor(
    private readonly producer: BatchingProducer,
    private readonly topic: string,
    private readonly worker: string,
  ) {}

  send(letter: DeadLetter): Promise<void> {
    return this.producer.send(this.topic, {
      key: letter.key,
      value: letter.value ?? Buffer.alloc(0),
      headers: {
        [DLQ_HEADERS.reason]: letter.reason,
        [DLQ_HEADERS.error]: letter.error.slice(0, 1000),
        [DLQ_HEADERS.topic]: letter.sourceTopic,
        [DLQ_HEADERS.partition]: String(letter.sourcePartition),
        [DLQ_HEADERS.offset]: letter.sourceOffset,
        [DLQ_HEADERS.worker]: this.worker,
      },
    });
  }
}

/** Typed Kafka errors: retry decisions read `retryable`, never the message text. */
export class KafkaWriteError extends Error {
  readonly code = 'KAFKA_WRITE_FAILED';
  constructor(
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KafkaWriteError';
  }
}

export class ProducerClosedError extends Error {
  readonly code = 'PRODUCER_CLOSED';
  readonly retryable = true;
  constructor() {
    super('producer is closed');
    this.name = 'ProducerClosedError';
  }
}

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

/**
 * A snappy-compressed record batch that does not decode (not retryable: the same bytes fail again).
 * The message names snappy and what was wrong; `cause` is the native decoder's error, if any.
 */
export class SnappyDecodeError extends Error {
  readonly code = 'SNAPPY_CORRUPT';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(`snappy: ${message}`, options);
    this.name = 'SnappyDecodeError';
  }
}

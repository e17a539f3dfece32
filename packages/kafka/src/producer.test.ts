import { KafkaJSConnectionError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { producerRecreateReason } from './producer';

// kafkajs builds protocol errors from the broker's error code table: these are the shapes its
// sendBatch rejects with (a non-retriable protocol error is wrapped once by the retrier's bail)
const protocolError = (type: string, retriable: boolean): KafkaJSProtocolError =>
  new KafkaJSProtocolError({ name: 'KafkaJSProtocolError', message: type, type, code: 1, retriable } as unknown as Error);

// kafkajs's retrier bails with `new KafkaJSNonRetriableError(e, { cause: e })` (its typings omit the option)
const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: unknown }) => KafkaJSNonRetriableError;

describe('producerRecreateReason', () => {
  it('names the protocol error of a non-retriable failure', () => {
    const tooLarge = protocolError('MESSAGE_TOO_LARGE', false);
    expect(producerRecreateReason(new NonRetriable(tooLarge, { cause: tooLarge }))).toBe('MESSAGE_TOO_LARGE');
  });

  it('recreates on sequence and epoch errors', () => {
    for (const type of ['OUT_OF_ORDER_SEQUENCE_NUMBER', 'INVALID_PRODUCER_EPOCH', 'UNKNOWN_PRODUCER_ID']) {
      expect(producerRecreateReason(protocolError(type, false))).toBe(type);
      // even if kafkajs ever calls one retriable, the producer's sequence state is not trusted
      expect(producerRecreateReason(protocolError(type, true))).toBe(type);
    }
  });

  it('names the innermost kafkajs error when retries ran out without a protocol error', () => {
    const refused = new KafkaJSConnectionError('Connection error: ECONNREFUSED');
    expect(producerRecreateReason(new KafkaJSNumberOfRetriesExceeded(refused, { retryCount: 8, retryTime: 5000 }))).toBe('KafkaJSConnectionError');
  });

  it('keeps the producer after a retriable error', () => {
    expect(producerRecreateReason(protocolError('NOT_LEADER_FOR_PARTITION', true))).toBeUndefined();
    expect(producerRecreateReason(new KafkaJSConnectionError('Connection error'))).toBeUndefined();
    expect(producerRecreateReason(new Error('plain'))).toBeUndefined();
  });
});

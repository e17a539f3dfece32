import './kafkajs-speedups'; // first: patches kafkajs before it is loaded (see the module)
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import { snappyCodec } from './snappy-codec';

/**
 * Kafka batch compression by name, and the codecs kafkajs lacks, registered with kafkajs when this
 * module loads (`client.ts` and `producer.ts` import it). kafkajs looks codecs up in
 * `CompressionCodecs` when it compresses a batch and when it reads one (by the batch's attributes),
 * so registering here covers producing, consuming and the one-pass produce encoder.
 */
export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'snappy'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

const TYPES: Record<KafkaCompression, CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
};

export function compressionType(name: KafkaCompression): CompressionTypes {
  return TYPES[name];
}

// kafkajs's typings declare the registry read-only; it is a plain object of factories.
(CompressionCodecs as Record<number, () => unknown>)[CompressionTypes.Snappy] = () => snappyCodec;

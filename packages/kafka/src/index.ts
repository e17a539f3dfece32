export { createKafka, type KafkaClientOptions } from './client';
export { kafkaCodecInfo, KAFKAJS_SPEEDUPS_VERSION, type KafkaCodecInfo } from './kafkajs-speedups';
export { ensureTopics, describeTopics, fetchCommitted, type EnsureTopicsOptions, type TopicDescription } from './admin';
export { TOPIC_SPECS, topicNames, type TopicKey, type TopicNames, type TopicSpec } from './topics';
export { BatchingProducer, type BatchingProducerOptions, type OutMessage } from './producer';
export { DeadLetterWriter, DLQ_HEADERS, type DeadLetter } from './dead-letter';
export { KafkaWriteError, ProducerClosedError } from './errors';
export { headerString } from './headers';
export { PartitionedConsumer, type PartitionHandler, type PartitionBatch, type BatchContext, type PartitionedConsumerOptions } from './consumer';

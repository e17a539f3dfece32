import type { Kafka, KafkaMessage } from 'kafkajs';
import { uniqueGroupId } from './names';

/**
 * Reads the first `count` messages of a topic (from the beginning, in a consumer group of its
 * own), or fails after `timeoutMs` naming how many arrived.
 */
export async function readMessages(kafka: Kafka, topic: string, count: number, timeoutMs = 60_000): Promise<KafkaMessage[]> {
  const messages: KafkaMessage[] = [];
  if (count <= 0) return messages;
  const consumer = kafka.consumer({ groupId: uniqueGroupId('read') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${messages.length} of ${count} messages from ${topic}`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(message);
          if (messages.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

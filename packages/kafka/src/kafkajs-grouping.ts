/**
 * Replacement for kafkajs 2.2.4's `producer/groupMessagesPerPartition.js`, which `sendMessages.js`
 * binds when it loads (installed by kafkajs-speedups.ts before that). kafkajs rebuilds the
 * partition's whole array for every message (`[...current, message]` plus an Object.assign), which
 * is quadratic in the messages per partition of one send: ~1.5 µs per message at 32 per send and
 * ~4.7 µs at 3,000 small ones. This appends instead; the result is the same object (partition →
 * that partition's messages, in the order given).
 */

interface GroupArgs {
  topic: string;
  partitionMetadata: readonly unknown[];
  messages: readonly unknown[];
  partitioner: (args: { topic: string; partitionMetadata: readonly unknown[]; message: unknown }) => number;
}

export function groupMessagesPerPartition({ topic, partitionMetadata, messages, partitioner }: GroupArgs): Record<number, unknown[]> {
  if (partitionMetadata.length === 0) return {};
  const result: Record<number, unknown[]> = {};
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const list = result[partition];
    if (list === undefined) result[partition] = [message];
    else list.push(message);
  }
  return result;
}

/**
 * Readies a broker that has just started for the first tests: a single-node KRaft broker answers
 * "This server does not host this topic-partition" for a topic it created a moment ago, and "The
 * coordinator is loading" at a group's first join, for a few seconds after it reports being up.
 * Creates (and deletes) a probe topic once its partition has a leader, and asks for a group
 * coordinator until one answers, so that no test meets either answer.
 */
import { Kafka, logLevel } from 'kafkajs';
// by path: jest's module mapping does not apply to its global setup
import { waitForTopicLeaders } from '../../packages/kafka/src/admin';

const PROBE = 'tailstream-test-warmup';

export async function warmUpBroker(brokers: string, timeoutMs = 90_000): Promise<void> {
  const kafka = new Kafka({ clientId: 'tailstream-test-warmup', brokers: brokers.split(','), logLevel: logLevel.NOTHING, retry: { retries: 3 } });
  const admin = kafka.admin();
  const deadline = Date.now() + timeoutMs;
  const until = async (what: string, step: () => Promise<boolean>): Promise<void> => {
    let last = '';
    for (;;) {
      try {
        if (await step()) return;
      } catch (error) {
        last = (error as Error).message;
      }
      if (Date.now() > deadline) throw new Error(`the Kafka broker at ${brokers} is up but ${what} after ${timeoutMs} ms${last ? `: ${last}` : ''}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  };
  await until('refuses admin connections', async () => (await admin.connect(), true));
  try {
    await until('cannot create a topic', async () => {
      if (!(await admin.listTopics()).includes(PROBE)) await admin.createTopics({ topics: [{ topic: PROBE, numPartitions: 1, replicationFactor: 1 }] });
      return true;
    });
    await waitForTopicLeaders(admin, [PROBE], Math.max(1000, deadline - Date.now()));
    await until('has no group coordinator', async () => (await admin.describeGroups([PROBE]), true));
    await admin.deleteTopics({ topics: [PROBE] }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
}

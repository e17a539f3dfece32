import { COMMON_ALIASES, kafkaSection, loadConfig, logSection } from '@tailstream/config';
import { createKafka, describeTopics, ensureTopics, TOPIC_SPECS, topicNames } from '@tailstream/kafka';
import { createLogger } from '@tailstream/telemetry';
import { z } from 'zod';
import { EXIT, intFlag, parseFlags, UsageError, type Command } from '../command';

const schema = z.object({ kafka: kafkaSection, log: logSection });

export const topicsCommand: Command = {
  name: 'topics',
  summary: 'create the pipeline topics (idempotent) or describe them',
  help: `Usage: tailstream topics create [--partitions N] [--replication-factor N]
       tailstream topics describe
       tailstream topics list

Kafka settings come from env (KAFKA_BROKERS, TAILSTREAM_KAFKA_*) or TAILSTREAM_CONFIG.
  create     create missing topics with their configs (existing ones are left alone)
  describe   partitions and message counts of the existing pipeline topics
  list       the topic catalogue: names, keys, values, configs`,
  async run(argv) {
    const { values, positionals } = parseFlags(argv, {
      partitions: { type: 'string' },
      'replication-factor': { type: 'string' },
    });
    const action = positionals[0];
    const config = loadConfig(schema, { envPrefix: 'TAILSTREAM_', aliases: COMMON_ALIASES });
    const names = topicNames(config.kafka.topicPrefix);
    if (action === 'list') {
      for (const [key, spec] of Object.entries(TOPIC_SPECS)) {
        console.log(`${names[key as keyof typeof names]}\n  key: ${spec.key}\n  value: ${spec.value}\n  flow: ${spec.flow}\n  configs: ${JSON.stringify(spec.configs)}`);
      }
      return EXIT.OK;
    }
    const kafka = createKafka(config.kafka, createLogger({ name: 'cli', level: 'warn' }));
    if (action === 'create') {
      const created = await ensureTopics(kafka, {
        prefix: config.kafka.topicPrefix,
        partitions: intFlag(values.partitions, 'partitions') ?? 8,
        replicationFactor: intFlag(values['replication-factor'], 'replication-factor') ?? 1,
      });
      console.log(created.length > 0 ? `created: ${created.join(', ')}` : 'all topics exist');
      return EXIT.OK;
    }
    if (action === 'describe') {
      const described = await describeTopics(kafka, config.kafka.topicPrefix);
      if (described.length === 0) console.log(`no pipeline topics with prefix "${config.kafka.topicPrefix}"`);
      for (const d of described) console.log(`${d.name.padEnd(40)} partitions=${d.partitions} messages=${d.messages}`);
      return EXIT.OK;
    }
    throw new UsageError(`topics: expected create, describe or list, got ${action ?? 'nothing'}`);
  },
};

import { embeddedTestPath, testInfra } from '@tailstream/test-harness';
import { aggregatorConfigSchema, type AggregatorConfig } from '../config';

type Sections = Partial<{ [K in keyof AggregatorConfig]: Partial<AggregatorConfig[K]> }>;

/**
 * Config of an in-process aggregator for an integration test: the harness's broker, the test's
 * unique topic prefix, group and database, ClickHouse from the harness (server URL, or the embedded
 * engine at this process's one data directory), an ops server on a free port, quiet logs
 * (AGGREGATOR_IT_LOG=info to see them). `sections` override options per section.
 */
export function testAggregatorConfig(options: { prefix: string; groupId: string; database: string; partitions: number }, sections: Sections = {}): AggregatorConfig {
  const infra = testInfra();
  return aggregatorConfigSchema.parse({
    ...sections,
    kafka: { brokers: infra.kafkaBrokers.split(','), topicPrefix: options.prefix, clientId: 'aggregator-it', ...sections.kafka },
    log: { level: process.env.AGGREGATOR_IT_LOG ?? 'silent', ...sections.log },
    clickhouse: infra.clickhouseUrl
      ? { url: infra.clickhouseUrl, database: options.database, ...sections.clickhouse }
      : { dataPath: embeddedTestPath(), database: options.database, ...sections.clickhouse },
    ops: { port: 0, ...sections.ops },
    groupId: options.groupId,
    topics: { partitions: options.partitions, ...sections.topics },
  });
}

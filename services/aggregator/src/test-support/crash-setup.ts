import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKafka, ensureTopics, topicNames, type TopicNames } from '@tailstream/kafka';
import type { Logger } from '@tailstream/telemetry';
import { testInfra, uniqueDatabase, uniqueGroupId, uniqueTopicPrefix } from '@tailstream/test-harness';
import type { Kafka } from 'kafkajs';
import { freePort } from '@tailstream/test-harness';
import { ChildAggregator } from './child-aggregator';
import { InputProducer } from './kafka-io';

/** The fault-injection line the aggregator writes right before it SIGKILLs itself. */
export interface KillRecord {
  table: string;
  dedupToken: string;
  insert: number;
}

/**
 * One crash scenario: its own topics, consumer group, database and embedded-engine data directory,
 * shared by every run (process) of the aggregator in the scenario, as a restart would share them.
 */
export class CrashScenario {
  readonly prefix = uniqueTopicPrefix('aggcrash');
  readonly topics: TopicNames = topicNames(this.prefix);
  readonly groupId = uniqueGroupId('aggcrash');
  readonly database = uniqueDatabase('agg_crash');
  readonly dataDir = mkdtempSync(join(tmpdir(), 'tailstream-agg-crash-'));
  readonly logFile = join(this.dataDir, 'aggregator.log');
  readonly kafka: Kafka;
  readonly input: InputProducer;
  private current: ChildAggregator | undefined;

  constructor(
    private readonly label: string,
    private readonly partitions: number,
    private readonly options: Record<string, string>,
    logger: Logger,
  ) {
    this.kafka = createKafka({ brokers: testInfra().kafkaBrokers.split(','), clientId: `aggregator-crash-${label}` }, logger);
    this.input = new InputProducer(this.kafka, this.topics);
  }

  async setUp(): Promise<void> {
    await ensureTopics(this.kafka, { prefix: this.prefix, partitions: this.partitions, replicationFactor: 1 });
    await this.input.connect();
  }

  /** Starts one aggregator process (optionally with a fault) and waits until it is ready. */
  async start(fault?: { killAfterInserts: number; killTable: string }): Promise<ChildAggregator> {
    const infra = testInfra();
    const env: Record<string, string> = {
      TAILSTREAM_AGGREGATOR_KAFKA_BROKERS: infra.kafkaBrokers,
      TAILSTREAM_AGGREGATOR_KAFKA_TOPIC_PREFIX: this.prefix,
      TAILSTREAM_AGGREGATOR_KAFKA_CLIENT_ID: `aggregator-crash-${this.label}`,
      TAILSTREAM_AGGREGATOR_GROUP_ID: this.groupId,
      TAILSTREAM_AGGREGATOR_CLICKHOUSE_DATA_PATH: join(this.dataDir, 'chdb'),
      TAILSTREAM_AGGREGATOR_CLICKHOUSE_DATABASE: this.database,
      TAILSTREAM_AGGREGATOR_TOPICS_PARTITIONS: String(this.partitions),
      TAILSTREAM_AGGREGATOR_CONSUMER_SESSION_TIMEOUT_MS: '6000',
      TAILSTREAM_AGGREGATOR_RETRY_INITIAL_MS: '100',
      TAILSTREAM_AGGREGATOR_RETRY_MAX_MS: '1000',
      TAILSTREAM_AGGREGATOR_LOG_LEVEL: process.env.AGGREGATOR_IT_CHILD_LOG ?? 'info',
      ...this.options,
    };
    if (infra.clickhouseUrl) env.TAILSTREAM_AGGREGATOR_CLICKHOUSE_URL = infra.clickhouseUrl;
    if (fault) {
      env.TAILSTREAM_AGGREGATOR_FAULT_KILL_AFTER_INSERTS = String(fault.killAfterInserts);
      env.TAILSTREAM_AGGREGATOR_FAULT_KILL_TABLE = fault.killTable;
    }
    const child = new ChildAggregator(env, await freePort(), this.logFile);
    this.current = child;
    // With a fault the process may kill itself before it reports ready (its pipelines start one by one).
    if (fault) await Promise.race([child.ready(), child.exited]);
    else await child.ready();
    return child;
  }

  /** Fault-injection lines written so far, oldest first. */
  kills(): KillRecord[] {
    let text = '';
    try {
      text = readFileSync(this.logFile, 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((l) => l.includes('fault injection: SIGKILL'))
      .map((l) => JSON.parse(l) as KillRecord);
  }

  /** Stops whatever still runs, closes the clients, removes the data directory (unless asked to keep it). */
  async tearDown(): Promise<void> {
    await this.current?.kill();
    await this.input.disconnect();
    if (process.env.TAILSTREAM_TEST_KEEP_DATABASES !== 'true') rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * Provides Kafka and ClickHouse for the integration tests, in this order:
 *   1. env vars: KAFKA_BROKERS (and CLICKHOUSE_URL) point at existing services;
 *   2. testcontainers, when a Docker engine answers: Apache Kafka and ClickHouse server containers;
 *   3. the local broker of deploy/local (KRaft, jars from Maven Central) + the embedded chdb engine.
 * The choice is exported as env vars, which jest's workers inherit.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TestInfra } from './infra';
import { startContainers, dockerAvailable } from './containers';
import { warmUpBroker } from './broker-warmup';

const REPO_ROOT = join(__dirname, '..', '..');

export default async function globalSetup(): Promise<void> {
  const infra = await provide();
  process.env.KAFKA_BROKERS = infra.kafkaBrokers;
  if (infra.clickhouseUrl) process.env.CLICKHOUSE_URL = infra.clickhouseUrl;
  process.env.TAILSTREAM_TEST_INFRA_SOURCE = infra.source;
  console.log(
    `\n[test infra] kafka=${infra.kafkaBrokers} clickhouse=${infra.clickhouseUrl ?? 'embedded chdb'} (source: ${infra.source})`,
  );
}

async function provide(): Promise<TestInfra> {
  if (process.env.KAFKA_BROKERS) {
    return { kafkaBrokers: process.env.KAFKA_BROKERS, clickhouseUrl: process.env.CLICKHOUSE_URL || undefined, source: 'env' };
  }
  if (process.env.TAILSTREAM_TEST_NO_DOCKER !== 'true' && (await dockerAvailable())) {
    const started = await startContainers(process.env.CLICKHOUSE_URL);
    (globalThis as Record<string, unknown>).__tailstreamContainers = started.stop;
    return { kafkaBrokers: started.kafkaBrokers, clickhouseUrl: started.clickhouseUrl, source: 'testcontainers' };
  }
  const kafkaBrokers = startLocalBroker();
  await warmUpBroker(kafkaBrokers);
  return { kafkaBrokers, clickhouseUrl: process.env.CLICKHOUSE_URL || undefined, source: 'local' };
}

/** Starts deploy/local's broker unless it already runs; remembers whether we started it. */
function startLocalBroker(): string {
  const script = join(REPO_ROOT, 'deploy', 'local', 'kafka.sh');
  if (!existsSync(script)) throw new Error(`missing ${script}`);
  const status = execFileSync('bash', [script, 'status'], { encoding: 'utf8' }).trim();
  if (!status.startsWith('running')) {
    execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
    (globalThis as Record<string, unknown>).__tailstreamStopLocalBroker = () =>
      execFileSync('bash', [script, 'stop'], { stdio: 'inherit' });
  }
  const now = execFileSync('bash', [script, 'status'], { encoding: 'utf8' }).trim();
  const match = /^running (\S+)$/.exec(now);
  if (!match?.[1]) throw new Error(`local Kafka broker did not start: ${now}`);
  return match[1];
}

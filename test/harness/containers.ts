/**
 * testcontainers path of the harness, used where a Docker engine answers (developer laptops, CI with
 * Docker). Our own machines have no Docker engine, so this path is exercised by users, not by our CI.
 */
import { existsSync } from 'node:fs';
import { freePort } from './ports';

const KAFKA_IMAGE = process.env.TAILSTREAM_TEST_KAFKA_IMAGE ?? 'apache/kafka:4.1.1';
const CLICKHOUSE_IMAGE = process.env.TAILSTREAM_TEST_CLICKHOUSE_IMAGE ?? 'clickhouse/clickhouse-server:25.8';

export async function dockerAvailable(): Promise<boolean> {
  if (!process.env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}


export async function startContainers(
  clickhouseUrl: string | undefined,
): Promise<{ kafkaBrokers: string; clickhouseUrl?: string; stop: () => Promise<void> }> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const port = await freePort();
  const kafka = await new GenericContainer(KAFKA_IMAGE)
    .withExposedPorts({ container: 9092, host: port })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${port}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  let clickhouse: { stop: () => Promise<unknown> } | undefined;
  let url = clickhouseUrl;
  if (!url) {
    const started = await new GenericContainer(CLICKHOUSE_IMAGE)
      .withExposedPorts(8123)
      .withEnvironment({ CLICKHOUSE_SKIP_USER_SETUP: '1' })
      .withWaitStrategy(Wait.forHttp('/ping', 8123))
      .start();
    clickhouse = started;
    url = `http://127.0.0.1:${started.getMappedPort(8123)}`;
  }
  return {
    kafkaBrokers: `127.0.0.1:${port}`,
    clickhouseUrl: url,
    stop: async () => {
      await kafka.stop();
      if (clickhouse) await clickhouse.stop();
    },
  };
}

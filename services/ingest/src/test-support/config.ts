import { loadIngestConfig, type IngestConfig } from '../config';

/** Ingest config for integration tests: the given broker and topic prefix, every listener on a free port. */
export function ingestTestConfig(brokers: string, prefix: string, overrides: Record<string, unknown> = {}): IngestConfig {
  return loadIngestConfig({
    env: {},
    overrides: {
      'kafka.brokers': brokers.split(','),
      'kafka.topicPrefix': prefix,
      'ops.port': 0,
      'otlpHttp.port': 0,
      'grpc.port': 0,
      'topics.partitions': 3,
      'producer.lingerMs': 1,
      ...overrides,
    },
  });
}

/** What the global setup provided; read by every integration test through `testInfra()`. */
export interface TestInfra {
  /** Comma-separated bootstrap servers. */
  kafkaBrokers: string;
  /** ClickHouse HTTP URL, or undefined to use the embedded chdb engine. */
  clickhouseUrl?: string;
  /** Where the infrastructure came from: `env`, `testcontainers` or `local`. */
  source: 'env' | 'testcontainers' | 'local';
}

/** The infrastructure of this test run, exported as env vars by test/harness/global-setup.ts. */
export function testInfra(): TestInfra {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    throw new Error('no test infrastructure: run integration tests through jest (its global setup) or set KAFKA_BROKERS');
  }
  return {
    kafkaBrokers: brokers,
    clickhouseUrl: process.env.CLICKHOUSE_URL || undefined,
    source: (process.env.TAILSTREAM_TEST_INFRA_SOURCE as TestInfra['source'] | undefined) ?? 'env',
  };
}

import { describeConfig } from '@tailstream/config';
import { AGGREGATOR_ENV_PREFIX, aggregatorConfigSchema } from '@tailstream/service-aggregator';
import { INGEST_ENV_PREFIX, ingestConfigSchema } from '@tailstream/service-ingest';
import { SAMPLER_ENV_PREFIX, samplerConfigSchema } from '@tailstream/service-tail-sampler';

/** docs/configuration.md, generated from the workers' config schemas (so it cannot drift). */
export function configurationMarkdown(): string {
  return `# Configuration

Generated from the workers' config schemas by \`npm run docs:config\`; a test fails when this file
is out of date.

Each worker reads, in increasing precedence: defaults < an optional YAML file < environment
variables < command-line overrides. The YAML file is named by \`<PREFIX>CONFIG\` (e.g.
\`TAILSTREAM_INGEST_CONFIG\`), \`TAILSTREAM_CONFIG\`, or \`--config FILE\` of \`tailstream <worker>\`;
its keys are the option paths below (\`otlpHttp: { port: 4318 }\`). Env values are converted by the
option's type: numbers strictly, booleans only from \`true/false/1/0/yes/no/on/off\`, lists
comma-separated. Invalid settings stop the worker at start-up with every problem listed, naming the
option, its env var and the allowed values.

Every worker also accepts these shared env vars: \`KAFKA_BROKERS\` (kafka.brokers),
\`TAILSTREAM_TOPIC_PREFIX\` (kafka.topicPrefix), \`CLICKHOUSE_URL\`, \`CLICKHOUSE_USER\`,
\`CLICKHOUSE_PASSWORD\` (clickhouse.*), \`LOG_LEVEL\` (log.level); a worker-prefixed variable wins
over them. Kafka TLS: \`kafka.ssl=true\` (system CA store); SASL: \`kafka.saslMechanism\` with
\`kafka.saslUsername\`/\`kafka.saslPassword\`. Secrets are redacted from logs.

## ingest (\`${INGEST_ENV_PREFIX}*\`)

${describeConfig(ingestConfigSchema, INGEST_ENV_PREFIX)}

## tail-sampler (\`${SAMPLER_ENV_PREFIX}*\`)

${describeConfig(samplerConfigSchema, SAMPLER_ENV_PREFIX)}

## aggregator (\`${AGGREGATOR_ENV_PREFIX}*\`)

${describeConfig(aggregatorConfigSchema, AGGREGATOR_ENV_PREFIX)}

## CLI-only settings

| env var | used by | meaning |
|---|---|---|
| \`TAILSTREAM_CLICKHOUSE_DATABASE\`, \`TAILSTREAM_CLICKHOUSE_DATA_PATH\`, \`TAILSTREAM_CLICKHOUSE_TTL_DAYS\` | \`migrate\`, \`query\` | database, embedded data directory, TTL |
| \`TAILSTREAM_KAFKA_*\` | \`topics\`, \`loadgen --kafka\` | the kafka.* options above with prefix \`TAILSTREAM_\` |
| \`TAILSTREAM_QUERY_ENDPOINT\` | \`query\` | aggregator ops address serving \`/query\` (default http://127.0.0.1:9466) |
| \`TAILSTREAM_KAFKAJS_SPEEDUPS\` | every worker and command that uses Kafka | \`off\` runs stock kafkajs instead of the in-place speedups (native CRC32C, unzeroed buffers; see docs/architecture.md) |
| \`TAILSTREAM_KAFKA_HOME\`, \`TAILSTREAM_KAFKA_PORT\`, \`TAILSTREAM_KAFKA_CONTROLLER_PORT\`, \`TAILSTREAM_KAFKA_HEAP\`, \`TAILSTREAM_KAFKA_LIB\`, \`TAILSTREAM_KAFKA_START_TIMEOUT\` | \`deploy/local/kafka.sh\` | the local broker (see the script's header) |
`;
}

if (require.main === module) process.stdout.write(configurationMarkdown());

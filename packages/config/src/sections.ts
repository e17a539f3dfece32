import { z } from 'zod';

/**
 * Config sections every worker shares. Each service composes them into its own schema in its
 * `config.ts`, so one option means the same thing (and has the same env var suffix) everywhere.
 */

export const kafkaSection = z
  .object({
    brokers: z
      .array(z.string().min(1))
      .min(1)
      .default(['127.0.0.1:39092'])
      .describe('Bootstrap servers, comma-separated in env (alias KAFKA_BROKERS). Default: the local broker of deploy/local.'),
    clientId: z.string().default('tailstream').describe('Kafka client id prefix.'),
    topicPrefix: z
      .string()
      .default('tailstream.')
      .describe('Prefix of every topic name (alias TAILSTREAM_TOPIC_PREFIX); lets several pipelines share a cluster.'),
    ssl: z.boolean().default(false).describe('Connect with TLS (system CA store).'),
    saslMechanism: z
      .enum(['none', 'plain', 'scram-sha-256', 'scram-sha-512'])
      .default('none')
      .describe('SASL mechanism.'),
    saslUsername: z.string().default('').describe('SASL user name.'),
    saslPassword: z.string().default('').describe('SASL password (never logged).'),
    connectionTimeoutMs: z.number().int().positive().default(10000).describe('TCP connect timeout.'),
    requestTimeoutMs: z.number().int().positive().default(30000).describe('Request timeout.'),
    retries: z.number().int().min(0).default(8).describe('Retries of a failed Kafka request (exponential backoff, at most 5 s apart).'),
  })
  .prefault({});

/** The ops server (/metrics, /healthz, /readyz) of a worker, with that worker's default port. */
export function opsSection(defaultPort: number, extra = '') {
  return z
    .object({
      host: z.string().default('127.0.0.1').describe(`Address of the ops server (/metrics, /healthz, /readyz${extra}).`),
      port: z.number().int().min(0).max(65535).default(defaultPort).describe('Port of the ops server (0 = any free port).'),
    })
    .prefault({});
}

/** Topics a worker creates at start-up when they are missing (the catalogue is in @tailstream/kafka). */
/**
 * Compression of the record batches a worker produces (the names of @tailstream/kafka's
 * KafkaCompression; the workers hand the value to BatchingProducer).
 */
export const kafkaCompressionField = z
  .enum(['none', 'gzip', 'snappy'])
  .default('snappy')
  .describe(
    'Kafka batch compression. snappy: span batches ~5× smaller for ~1 µs of CPU per span; gzip: ~8× smaller but ~10× the CPU (~20 µs per span in ingest); none: for brokers on the same machine.',
  );

export const topicsSection = z
  .object({
    create: z.boolean().default(true).describe('Create missing topics at start-up.'),
    partitions: z.number().int().positive().default(8).describe('Partitions of topics created at start-up.'),
    replicationFactor: z.number().int().positive().default(1).describe('Replication factor of topics created at start-up.'),
  })
  .prefault({});

export const logSection = z
  .object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('Log level.'),
    pretty: z.boolean().default(false).describe('Human-readable logs instead of JSON lines.'),
  })
  .prefault({});

export const clickhouseSection = z
  .object({
    url: z
      .string()
      .default('')
      .describe('ClickHouse HTTP URL (alias CLICKHOUSE_URL). Empty: the embedded chdb engine with dataPath.'),
    username: z.string().default('default').describe('ClickHouse user (HTTP only).'),
    password: z.string().default('').describe('ClickHouse password (HTTP only, never logged).'),
    database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('tailstream').describe('Database holding the tables.'),
    dataPath: z
      .string()
      .default('.tailstream/chdb')
      .describe('Data directory of the embedded chdb engine (one per process).'),
    ttlDays: z.number().int().min(0).default(0).describe('Row TTL for span tables in days; 0 keeps data forever.'),
  })
  .prefault({});

/** Env var names every worker also accepts, for the sections above. */
export const COMMON_ALIASES: Record<string, string> = {
  KAFKA_BROKERS: 'kafka.brokers',
  TAILSTREAM_TOPIC_PREFIX: 'kafka.topicPrefix',
  CLICKHOUSE_URL: 'clickhouse.url',
  CLICKHOUSE_USER: 'clickhouse.username',
  CLICKHOUSE_PASSWORD: 'clickhouse.password',
  LOG_LEVEL: 'log.level',
};

export type KafkaSection = z.output<typeof kafkaSection>;
export type LogSection = z.output<typeof logSection>;
export type ClickHouseSection = z.output<typeof clickhouseSection>;

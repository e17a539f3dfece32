import { COMMON_ALIASES, kafkaCompressionField, kafkaSection, loadConfig, logSection, opsSection, topicsSection, type LoadConfigOptions } from '@tailstream/config';
import { z } from 'zod';

const MIB = 1024 * 1024;

/** Every option of the ingest worker. Env vars: TAILSTREAM_INGEST_<PATH>, e.g. TAILSTREAM_INGEST_OTLP_HTTP_PORT. */
export const ingestConfigSchema = z.object({
  kafka: kafkaSection,
  log: logSection,
  ops: opsSection(9464),
  otlpHttp: z
    .object({
      enabled: z.boolean().default(true).describe('Serve OTLP/HTTP POST /v1/traces.'),
      host: z.string().default('127.0.0.1').describe('Address the OTLP/HTTP receiver binds to (0.0.0.0 to accept remote senders).'),
      port: z.number().int().min(0).max(65535).default(4318).describe('OTLP/HTTP port (4318 is the OTLP default).'),
      maxBodyBytes: z.number().int().positive().default(8 * MIB).describe('Largest request body as sent (compressed); larger → 413.'),
      maxDecompressedBytes: z
        .number()
        .int()
        .positive()
        .default(64 * MIB)
        .describe('Largest body after gzip decompression (gzip-bomb guard); larger → 413. Also the largest OTLP/gRPC message.'),
      bearerToken: z
        .string()
        .default('')
        .describe('If set, requests must send `Authorization: Bearer <token>` (401 otherwise), and OTLP/gRPC calls the same `authorization` metadata (UNAUTHENTICATED otherwise).'),
      retryAfterSeconds: z
        .number()
        .int()
        .positive()
        .default(2)
        .describe('Retry-After sent with 429/503 (OTLP/gRPC: RetryInfo delay with RESOURCE_EXHAUSTED/UNAVAILABLE); also how long intake answers 503/UNAVAILABLE after Kafka failed.'),
    })
    .prefault({}),
  grpc: z
    .object({
      enabled: z.boolean().default(true).describe('Serve OTLP/gRPC `opentelemetry.proto.collector.trace.v1.TraceService/Export`.'),
      host: z.string().default('127.0.0.1').describe('Address the OTLP/gRPC receiver binds to (0.0.0.0 to accept remote senders).'),
      port: z
        .number()
        .int()
        .min(0)
        .max(65535)
        .default(4317)
        .describe('OTLP/gRPC port (4317 is the OTLP default; 0 = any free port). Token, message size limit and retry delay: as `otlpHttp`.'),
    })
    .prefault({}),
  otlpKafka: z
    .object({
      enabled: z.boolean().default(false).describe('Consume OTLP records written by OpenTelemetry Collectors’ Kafka exporter.'),
      topic: z.string().default('').describe('Topic to consume; empty = `<topicPrefix>otlp`.'),
      encoding: z.enum(['otlp_proto', 'otlp_json']).default('otlp_proto').describe('Collector Kafka exporter encoding of the records.'),
      groupId: z.string().default('tailstream-ingest-otlp').describe('Consumer group.'),
    })
    .prefault({}),
  validation: z
    .object({
      maxPastSeconds: z.number().int().positive().default(7 * 24 * 3600).describe('Reject spans that started longer ago than this.'),
      maxFutureSeconds: z.number().int().positive().default(3600).describe('Reject spans that end further in the future than this.'),
    })
    .prefault({}),
  limits: z
    .object({
      maxAttributesPerSpan: z.number().int().positive().default(128).describe('Attributes kept per span; the rest are dropped and counted.'),
      maxAttributeValueLength: z.number().int().positive().default(4096).describe('Longer string values are truncated and counted.'),
      maxEventsPerSpan: z.number().int().positive().default(128).describe('Events kept per span; the rest are dropped and counted.'),
      maxLinksPerSpan: z.number().int().positive().default(128).describe('Links kept per span; the rest are dropped and counted.'),
    })
    .prefault({}),
  producer: z
    .object({
      maxInFlightBytes: z.number().int().positive().default(64 * MIB).describe('Bytes accepted but not yet acknowledged by Kafka; above → 429.'),
      maxBatchBytes: z
        .number()
        .int()
        .positive()
        .default(512 * 1024)
        .describe('Bytes per Kafka sendBatch call; keep it under the brokers’ message.max.bytes (1 MB by default), compression or not.'),
      lingerMs: z.number().int().min(0).default(5).describe('How long to gather messages before sending.'),
      compression: kafkaCompressionField,
    })
    .prefault({}),
  topics: topicsSection,
});

export type IngestConfig = z.output<typeof ingestConfigSchema>;

export const INGEST_ENV_PREFIX = 'TAILSTREAM_INGEST_';

export function loadIngestConfig(options: Partial<LoadConfigOptions> = {}): IngestConfig {
  return loadConfig(ingestConfigSchema, { envPrefix: INGEST_ENV_PREFIX, aliases: COMMON_ALIASES, ...options });
}

import { clickhouseSection, COMMON_ALIASES, kafkaSection, loadConfig, logSection, type LoadConfigOptions } from '@tailstream/config';
import { z } from 'zod';

const MIB = 1024 * 1024;

const loaderSection = (rows: number) =>
  z
    .object({
      maxRows: z.number().int().positive().default(rows).describe('Rows per insert: a batch is cut at the first message boundary past this many rows.'),
      maxBytes: z.number().int().positive().default(16 * MIB).describe('Bytes per insert: a batch is cut at the first message boundary past this size.'),
      maxDelayMs: z.number().int().positive().default(1000).describe('Longest time rows wait before they are inserted.'),
    })
    .prefault({});

/** Every option of the aggregator. Env vars: TAILSTREAM_AGGREGATOR_<PATH>, e.g. TAILSTREAM_AGGREGATOR_RED_BUCKET_SECONDS. */
export const aggregatorConfigSchema = z.object({
  kafka: kafkaSection,
  log: logSection,
  clickhouse: clickhouseSection,
  ops: z
    .object({
      host: z.string().default('127.0.0.1').describe('Address of the ops server (/metrics, /healthz, /readyz, /query).'),
      port: z.number().int().min(0).max(65535).default(9466).describe('Port of the ops server (0 = any free port).'),
      queryEndpoint: z.boolean().default(true).describe('Serve read-only SQL on GET /query?sql=… (how to query the embedded engine while it runs).'),
    })
    .prefault({}),
  groupId: z.string().default('tailstream-aggregator').describe('Consumer group prefix; the RED, spans and summaries pipelines use <groupId>-red, -spans, -summaries.'),
  migrate: z.boolean().default(true).describe('Apply pending ClickHouse migrations at start-up.'),
  red: z
    .object({
      enabled: z.boolean().default(true).describe('Compute RED metrics and the service graph from the spans topic.'),
      bucketSeconds: z.number().int().positive().default(60).describe('Width of a RED time bucket (by span start).'),
      allowedLatenessSeconds: z.number().int().min(0).optional().describe('How far behind the watermark a span may be and still join its bucket’s first row (default 2 buckets).'),
      histogramBoundsMs: z.array(z.coerce.number<string | number>().positive()).optional().describe('Explicit histogram bounds in ms (default: the spanmetrics connector’s).'),
      extraDimensions: z.array(z.string().min(1)).default([]).describe('Span attributes added as RED dimensions, e.g. http.route.'),
      maxSeriesPerService: z.number().int().positive().default(2000).describe('Series per service before new ones fold into the overflow series.'),
      epochMaxMessages: z.number().int().positive().default(2000).describe('Messages after which a partition’s RED state is flushed (input-driven, replay-safe).'),
      idleFlushMs: z.number().int().positive().default(5000).describe('A partition without new messages for this long flushes everything it holds.'),
      serviceGraph: z.boolean().default(true).describe('Derive service-graph edges from client/server and producer/consumer span pairs.'),
    })
    .prefault({}),
  spans: loaderSection(20000).describe('Loading kept spans into otel_traces.'),
  summaries: loaderSection(20000).describe('Loading trace summaries into trace_summaries.'),
  retry: z
    .object({
      initialMs: z.number().int().positive().default(200).describe('First delay before retrying a failed insert.'),
      maxMs: z.number().int().positive().default(30000).describe('Largest delay between insert retries (exponential with jitter, retried until it succeeds or shutdown).'),
    })
    .prefault({}),
  consumer: z
    .object({
      sessionTimeoutMs: z
        .number()
        .int()
        .positive()
        .default(30000)
        .describe('Kafka consumer session timeout: how long the group waits for a member that stopped answering (e.g. a killed process) before its partitions move to another one.'),
    })
    .prefault({}),
  fault: z
    .object({
      killAfterInserts: z
        .number()
        .int()
        .min(0)
        .default(0)
        .describe(
          'Fault injection for tests, off by default (0). When N > 0 the process SIGKILLs itself right after its N-th acknowledged insert (counting only fault.killTable when set), before the offsets that insert covers are committed.',
        ),
      killTable: z
        .string()
        .default('')
        .describe('Fault injection for tests: the table whose inserts fault.killAfterInserts counts, e.g. red_metrics_ingest or otel_traces; empty counts every insert.'),
    })
    .prefault({}),
  topics: z
    .object({
      create: z.boolean().default(true).describe('Create missing topics at start-up.'),
      partitions: z.number().int().positive().default(8).describe('Partitions of topics created at start-up.'),
      replicationFactor: z.number().int().positive().default(1).describe('Replication factor of topics created at start-up.'),
    })
    .prefault({}),
});

export type AggregatorConfig = z.output<typeof aggregatorConfigSchema>;

export const AGGREGATOR_ENV_PREFIX = 'TAILSTREAM_AGGREGATOR_';

export function loadAggregatorConfig(options: Partial<LoadConfigOptions> = {}): AggregatorConfig {
  return loadConfig(aggregatorConfigSchema, { envPrefix: AGGREGATOR_ENV_PREFIX, aliases: COMMON_ALIASES, ...options });
}

import { COMMON_ALIASES, kafkaCompressionField, kafkaSection, loadConfig, logSection, opsSection, topicsSection, type LoadConfigOptions } from '@tailstream/config';
import { z } from 'zod';

const MIB = 1024 * 1024;

/** Every option of the tail-sampler. Env vars: TAILSTREAM_SAMPLER_<PATH>, e.g. TAILSTREAM_SAMPLER_POLICY_FILE. */
export const samplerConfigSchema = z.object({
  kafka: kafkaSection,
  log: logSection,
  ops: opsSection(9465),
  groupId: z.string().default('tailstream-sampler').describe('Consumer group of the spans topic; instances of one group share the partitions.'),
  policy: z
    .object({
      file: z.string().default('deploy/policies/default.yaml').describe('Policy file: Tailstream format or an OpenTelemetry Collector tail_sampling block.'),
      reloadIntervalMs: z.number().int().min(0).default(2000).describe('How often the policy file is checked for changes (0 = never: no hot reload).'),
    })
    .prefault({}),
  decision: z
    .object({
      waitMs: z.number().int().min(0).optional().describe('Decide a trace this long after its first span (overrides the policy file; default 30 s).'),
      waitAfterRootMs: z.number().int().min(0).optional().describe('Decide early once the root arrived and no span came for this long (0 disables; default 5 s).'),
      maxSpansPerTrace: z.number().int().positive().default(10000).describe('Decide a trace at once when it holds this many spans.'),
      maxBytesPerTrace: z.number().int().positive().default(16 * MIB).describe('Decide a trace at once when it holds this many bytes.'),
      tickMs: z.number().int().positive().default(250).describe('How often buffers are polled for traces due for a decision.'),
      idleAdvanceMs: z
        .number()
        .int()
        .positive()
        .default(1000)
        .describe('A partition without new records for this long advances its clock with wall time (see docs/architecture.md).'),
    })
    .prefault({}),
  memory: z
    .object({
      maxBufferedSpans: z.number().int().positive().default(2_000_000).describe('Spans buffered across all partitions; above, the oldest traces are decided early.'),
      maxBufferedBytes: z
        .number()
        .int()
        .positive()
        .default(1024 * MIB)
        .describe('Bytes buffered across all partitions (a fetched buffer that spans are still read from counts in full); above, the oldest traces are decided early.'),
      detachAfterMs: z
        .number()
        .int()
        .min(0)
        .default(6000)
        .describe(
          'Buffered spans are read in place from the buffer they were fetched in (a decompressed record batch or a fetch response) until their trace has held them this long (buffer clock), then copied into buffers of their own, so a long-undecided trace does not keep a large buffer alive. 0 copies every record on arrival.',
        ),
      reuseBatchMemory: z
        .boolean()
        .default(true)
        .describe(
          'Decompress each snappy record batch into a block of reused memory, handed back once no handler and no buffered trace reads it (up to 64 MiB of free blocks kept), instead of new memory per batch: the garbage collector then does not follow the bytes read (see docs/performance.md). false: new memory per batch.',
        ),
    })
    .prefault({}),
  decisionCache: z
    .object({
      maxEntries: z.number().int().positive().max(100_000_000).default(1_000_000).describe('Decisions remembered for late spans (oldest evicted first); about 40 bytes each, allocated at start, outside the JS heap; at most 100 million.'),
      catchUpTimeoutMs: z.number().int().positive().default(30000).describe('How long an assigned partition waits for the decision cache to catch up.'),
    })
    .prefault({}),
  consumer: z
    .object({
      partitionsConcurrently: z
        .number()
        .int()
        .positive()
        .default(4)
        .describe('Assigned partitions handled at the same time: one partition\'s batch is decoded and buffered while another waits for its output to be acknowledged.'),
      maxBytesPerPartition: z
        .number()
        .int()
        .positive()
        .default(1 * MIB)
        .describe(
          'Most (compressed) bytes one fetch returns per partition; a larger first record batch still comes whole. Everything a fetch returns is decompressed at once and stays in memory until handled, so smaller fetches keep the worker\'s memory lower (see docs/performance.md).',
        ),
      maxBytes: z.number().int().positive().default(8 * MIB).describe('Most (compressed) bytes one fetch returns across all partitions.'),
    })
    .prefault({}),
  output: z
    .object({
      maxSpansPerMessage: z.number().int().positive().default(500).describe('Kept spans of one trace are split into messages of at most this many spans.'),
      lingerMs: z.number().int().min(0).default(5).describe('How long the producer gathers messages before sending.'),
      compression: kafkaCompressionField,
    })
    .prefault({}),
  topics: topicsSection,
});

export type SamplerConfig = z.output<typeof samplerConfigSchema>;

export const SAMPLER_ENV_PREFIX = 'TAILSTREAM_SAMPLER_';

export function loadSamplerConfig(options: Partial<LoadConfigOptions> = {}): SamplerConfig {
  return loadConfig(samplerConfigSchema, { envPrefix: SAMPLER_ENV_PREFIX, aliases: { ...COMMON_ALIASES, TAILSTREAM_POLICY_FILE: 'policy.file' }, ...options });
}

import type { Command } from './command';

interface Entry {
  summary: string;
  load: () => Promise<Command>;
}

/** Subcommands, loaded lazily so e.g. `tailstream topics` never loads ClickHouse or the workers. */
export const COMMANDS: Record<string, Entry> = {
  up: { summary: 'run the whole pipeline locally with the load generator, then print a summary', load: async () => (await import('./commands/up')).upCommand },
  ingest: { summary: 'run the ingest worker', load: async () => (await import('./commands/workers')).ingestCommand },
  sampler: { summary: 'run the tail-sampler worker', load: async () => (await import('./commands/workers')).samplerCommand },
  aggregator: { summary: 'run the aggregator worker', load: async () => (await import('./commands/workers')).aggregatorCommand },
  migrate: { summary: 'apply pending ClickHouse migrations', load: async () => (await import('./commands/migrate')).migrateCommand },
  topics: { summary: 'create, describe or list the pipeline topics', load: async () => (await import('./commands/topics')).topicsCommand },
  policies: { summary: 'validate a policy file or replay recorded traces through it', load: async () => (await import('./commands/policies')).policiesCommand },
  query: { summary: 'SQL or named reports (red, operations, policies, traces, trace ID)', load: async () => (await import('./commands/query')).queryCommand },
  loadgen: { summary: 'generate realistic traffic over OTLP/HTTP or Kafka, or record it', load: async () => (await import('./commands/loadgen')).loadgenCommand },
  bench: { summary: 'run the benchmarks (JSON results + a table)', load: async () => (await import('./commands/bench')).benchCommand },
};

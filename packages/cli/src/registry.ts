import type { Command } from './command';

interface Entry {
  summary: string;
  load: () => Promise<Command>;
}

/** Subcommands, loaded lazily so `tailstream topics` never loads ClickHouse or the workers. */
export const COMMANDS: Record<string, Entry> = {
  migrate: { summary: 'apply pending ClickHouse migrations', load: async () => (await import('./commands/migrate')).migrateCommand },
  topics: { summary: 'create, describe or list the pipeline topics', load: async () => (await import('./commands/topics')).topicsCommand },
};

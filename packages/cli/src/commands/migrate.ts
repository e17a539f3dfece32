import { clickhouseSection, COMMON_ALIASES, loadConfig } from '@tailstream/config';
import { createClickHouse, migrate } from '@tailstream/store';
import { z } from 'zod';
import { EXIT, parseFlags, type Command } from '../command';

const schema = z.object({
  clickhouse: clickhouseSection,
  cluster: z.string().default('').describe('ON CLUSTER name for clustered deployments (empty: single node).'),
  replicated: z.boolean().default(false).describe('Use Replicated* table engines.'),
});

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'apply pending ClickHouse migrations (schemas/clickhouse) and record them',
  help: `Usage: tailstream migrate [--cluster NAME] [--replicated]

Connects to CLICKHOUSE_URL, or opens the embedded engine at TAILSTREAM_CLICKHOUSE_DATA_PATH
(default .tailstream/chdb), creates the database (TAILSTREAM_CLICKHOUSE_DATABASE, default
tailstream) and applies every migration not yet recorded in tailstream_migrations.`,
  async run(argv) {
    const { values } = parseFlags(argv, { cluster: { type: 'string' }, replicated: { type: 'boolean' } });
    const config = loadConfig(schema, {
      envPrefix: 'TAILSTREAM_',
      aliases: COMMON_ALIASES,
      overrides: { cluster: values.cluster, replicated: values.replicated },
    });
    const ch = createClickHouse({
      database: config.clickhouse.database,
      url: config.clickhouse.url || undefined,
      username: config.clickhouse.username,
      password: config.clickhouse.password,
      embeddedPath: config.clickhouse.dataPath,
    });
    try {
      const applied = await migrate(ch, {
        database: config.clickhouse.database,
        ttlDays: config.clickhouse.ttlDays,
        cluster: config.cluster || undefined,
        replicated: config.replicated,
      });
      const where = config.clickhouse.url ? config.clickhouse.url : `embedded chdb at ${config.clickhouse.dataPath}`;
      console.log(
        applied.length > 0
          ? `applied ${applied.length} migration(s) to ${config.clickhouse.database} (${where}): ${applied.map((m) => m.name).join(', ')}`
          : `${config.clickhouse.database} (${where}) is up to date`,
      );
      return EXIT.OK;
    } finally {
      await ch.close();
    }
  },
};

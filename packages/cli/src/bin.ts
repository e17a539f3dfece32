#!/usr/bin/env node
import { ConfigError } from '@tailstream/config';
import { EXIT, UsageError, type Command } from './command';
import { COMMANDS } from './registry';

function usage(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(12)} ${c.summary}`);
  return `Usage: tailstream <command> [flags]   (tailstream <command> --help for details)

Commands:
${lines.join('\n')}

Exit codes: 0 ok, 1 failed at run time, 2 bad usage or configuration, 3 check found problems.`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage());
    return name ? EXIT.OK : EXIT.USAGE;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`tailstream: unknown command "${name}"\n\n${usage()}`);
    return EXIT.USAGE;
  }
  const command: Command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.help);
    return EXIT.OK;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || error instanceof ConfigError) {
      console.error(`tailstream: ${error.message}`);
      process.exitCode = EXIT.USAGE;
    } else {
      console.error(`tailstream: ${(error as Error)?.message ?? String(error)}`);
      if (process.env.TAILSTREAM_DEBUG) console.error(error);
      process.exitCode = EXIT.FAILED;
    }
    // A worker that failed to start may hold open handles (its ops server, Kafka clients): a
    // supervisor must see the process end, not an idle one whose /readyz stays 503.
    process.exit();
  },
);

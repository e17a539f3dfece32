import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Exit codes of the tailstream command. */
export const EXIT = {
  OK: 0,
  /** Something failed at run time (Kafka/ClickHouse unreachable, a worker crashed). */
  FAILED: 1,
  /** Bad usage, bad flags or bad configuration. */
  USAGE: 2,
  /** A check found problems (e.g. `policies validate` on an invalid file). */
  INVALID: 3,
} as const;

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface Command {
  name: string;
  summary: string;
  /** Full help text (usage line, flags, examples). */
  help: string;
  run(argv: string[]): Promise<number>;
}

/** Parses flags strictly; unknown flags become a UsageError naming them. */
export function parseFlags(
  argv: string[],
  options: NonNullable<ParseArgsConfig['options']>,
): { values: Record<string, string | boolean | (string | boolean)[] | undefined>; positionals: string[] } {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function intFlag(value: string | boolean | undefined | (string | boolean)[], name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isFinite(n)) throw new UsageError(`--${name} expects a number, got ${String(value)}`);
  return n;
}

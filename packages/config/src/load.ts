import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { listOptions, type OptionInfo } from './introspect';

/** Configuration that cannot be used; the message lists every bad option with its env var and allowed values. */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly retryable = false;
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  /** Prefix of every env var, e.g. `TAILSTREAM_INGEST_`. */
  envPrefix: string;
  env?: NodeJS.ProcessEnv;
  /** YAML file; defaults to the env var `<prefix>CONFIG` or `TAILSTREAM_CONFIG`. */
  file?: string;
  /** Extra env var names that also set an option, e.g. `{ KAFKA_BROKERS: 'kafka.brokers' }`. Prefixed vars win. */
  aliases?: Record<string, string>;
  /** Values that override everything (e.g. CLI flags). */
  overrides?: Record<string, unknown>;
}

/**
 * Builds a config from defaults < YAML file < env vars < overrides and validates it with `schema`.
 * Env values are converted by the option's type: numbers strictly, booleans only from
 * true/false/1/0/yes/no (so "false" is false), arrays from comma-separated lists.
 */
export function loadConfig<S extends z.ZodType>(schema: S, options: LoadConfigOptions): z.output<S> {
  const env = options.env ?? process.env;
  const problems: string[] = [];
  const file = options.file ?? env[`${options.envPrefix}CONFIG`] ?? env.TAILSTREAM_CONFIG;
  const raw: Record<string, unknown> = file ? readYaml(file, problems) : {};
  const opts = listOptions(schema, options.envPrefix);
  const byPath = new Map(opts.map((o) => [o.path, o]));

  for (const [alias, path] of Object.entries(options.aliases ?? {})) {
    const value = env[alias];
    const option = byPath.get(path);
    if (value !== undefined && value !== '' && option && env[option.env] === undefined) {
      setFromEnv(raw, option, value, alias, problems);
    }
  }
  for (const option of opts) {
    const value = env[option.env];
    if (value !== undefined && value !== '') setFromEnv(raw, option, value, option.env, problems);
  }
  for (const [path, value] of Object.entries(options.overrides ?? {})) {
    if (value !== undefined) setPath(raw, path.split('.'), value);
  }

  const result = schema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const path = issue.path.join('.');
      const option = byPath.get(path);
      const where = option ? `${path} (env ${option.env})` : path || '(root)';
      const allowed = option?.values ? `; allowed: ${option.values.join(', ')}` : '';
      problems.push(`${where}: ${issue.message}${allowed}`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`, problems);
  }
  return (result as { data: z.output<S> }).data;
}

function readYaml(file: string, problems: string[]): Record<string, unknown> {
  try {
    const parsed: unknown = parseYaml(readFileSync(file, 'utf8'));
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed)) {
      problems.push(`config file ${file}: expected a YAML mapping at the top level`);
      return {};
    }
    return parsed as Record<string, unknown>;
  } catch (error) {
    problems.push(`config file ${file}: ${(error as Error).message}`);
    return {};
  }
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

function setFromEnv(raw: Record<string, unknown>, option: OptionInfo, text: string, envName: string, problems: string[]): void {
  let value: unknown = text;
  switch (option.kind) {
    case 'number': {
      const n = Number(text.trim());
      if (text.trim() === '' || Number.isNaN(n)) {
        problems.push(`${option.path} (env ${envName}): expected a number, got "${text}"`);
        return;
      }
      value = n;
      break;
    }
    case 'boolean': {
      const lower = text.trim().toLowerCase();
      if (TRUE.has(lower)) value = true;
      else if (FALSE.has(lower)) value = false;
      else {
        problems.push(`${option.path} (env ${envName}): expected true or false, got "${text}"`);
        return;
      }
      break;
    }
    case 'array':
      value = text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      break;
    default:
      break;
  }
  setPath(raw, option.path.split('.'), value);
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const key = path[i] as string;
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

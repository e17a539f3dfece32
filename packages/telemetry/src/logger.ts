import pino, { type Logger } from 'pino';

export type { Logger };

export interface LoggerOptions {
  name: string;
  level?: string;
  /** Human-readable output (pino-pretty) instead of JSON lines. */
  pretty?: boolean;
}

/** Paths never written to logs. */
const REDACT = ['password', '*.password', '*.*.password', 'saslPassword', '*.saslPassword', '*.*.saslPassword', 'authorization', '*.authorization', 'token', '*.token', '*.bearerToken'];

/** A pino logger: JSON by default, secrets redacted; use `.child({component, partition})` downstream. */
export function createLogger(options: LoggerOptions): Logger {
  return pino({
    name: options.name,
    level: options.level ?? 'info',
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { service: options.name },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(options.pretty ? { transport: { target: 'pino-pretty', options: { colorize: true } } } : {}),
  });
}

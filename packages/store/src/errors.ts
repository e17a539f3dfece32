/**
 * Typed store errors. Callers decide on retries by reading `retryable`, never the message text.
 * `code` is the ClickHouse error name when the engine reported one (e.g. `TOO_MANY_PARTS`,
 * `SYNTAX_ERROR`), otherwise one of the store's own codes below.
 */
export type StoreErrorCode =
  | 'NETWORK'
  | 'TIMEOUT'
  | 'CLOSED'
  | 'CONFIG'
  | 'EMBEDDED_PATH_CONFLICT'
  | 'EMBEDDED_UNAVAILABLE'
  | 'MIGRATION_CHECKSUM_MISMATCH'
  | 'MIGRATION_MISSING'
  | 'MIGRATION_INVALID'
  | 'UNKNOWN'
  | (string & {});

export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    message: string,
    readonly code: StoreErrorCode,
    readonly retryable: boolean,
    options?: { cause?: unknown; clickhouseCode?: number; context?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.clickhouseCode = options?.clickhouseCode;
    this.context = options?.context;
  }
  /** Numeric ClickHouse exception code, when the engine reported one. */
  readonly clickhouseCode: number | undefined;
  /** What was being done (operation, table), for logs. */
  readonly context: Record<string, unknown> | undefined;
}

/**
 * ClickHouse error codes that describe a transient condition: the same request may succeed later
 * (overload, merges behind, network, Keeper, memory pressure, an insert whose outcome is unknown).
 */
const RETRYABLE_CLICKHOUSE_CODES: Record<number, string> = {
  159: 'TIMEOUT_EXCEEDED',
  160: 'TOO_SLOW',
  202: 'TOO_MANY_SIMULTANEOUS_QUERIES',
  203: 'NO_FREE_CONNECTION',
  209: 'SOCKET_TIMEOUT',
  210: 'NETWORK_ERROR',
  225: 'NO_ZOOKEEPER',
  236: 'ABORTED',
  241: 'MEMORY_LIMIT_EXCEEDED',
  242: 'TABLE_IS_READ_ONLY',
  252: 'TOO_MANY_PARTS',
  279: 'ALL_CONNECTION_TRIES_FAILED',
  285: 'TOO_FEW_LIVE_REPLICAS',
  319: 'UNKNOWN_STATUS_OF_INSERT',
  394: 'QUERY_WAS_CANCELLED',
  425: 'SYSTEM_ERROR',
  439: 'CANNOT_SCHEDULE_TASK',
  473: 'DEADLOCK_AVOIDED',
  999: 'KEEPER_EXCEPTION',
  1000: 'POCO_EXCEPTION',
};

/** Names for common permanent errors, so `code` reads well in logs. */
const PERMANENT_CLICKHOUSE_CODES: Record<number, string> = {
  6: 'CANNOT_PARSE_TEXT',
  16: 'NO_SUCH_COLUMN_IN_TABLE',
  26: 'CANNOT_PARSE_QUOTED_STRING',
  27: 'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
  36: 'BAD_ARGUMENTS',
  41: 'CANNOT_PARSE_DATETIME',
  42: 'NUMBER_OF_ARGUMENTS_DOESNT_MATCH',
  43: 'ILLEGAL_TYPE_OF_ARGUMENT',
  46: 'UNKNOWN_FUNCTION',
  47: 'UNKNOWN_IDENTIFIER',
  53: 'TYPE_MISMATCH',
  57: 'TABLE_ALREADY_EXISTS',
  60: 'UNKNOWN_TABLE',
  62: 'SYNTAX_ERROR',
  70: 'CANNOT_CONVERT_TYPE',
  81: 'UNKNOWN_DATABASE',
  115: 'UNKNOWN_SETTING',
  117: 'INCORRECT_DATA',
  192: 'UNKNOWN_USER',
  194: 'REQUIRED_PASSWORD',
  497: 'ACCESS_DENIED',
  516: 'AUTHENTICATION_FAILED',
};

/** Node socket errors that mean "could not talk to the server right now". */
const NETWORK_ERRNOS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
]);

/** Whether a numeric ClickHouse error code is transient. */
export function isRetryableClickHouseCode(code: number): boolean {
  return code in RETRYABLE_CLICKHOUSE_CODES;
}

/** The ClickHouse error name for a code we know, else `CLICKHOUSE_<n>`. */
export function clickHouseCodeName(code: number): string {
  return RETRYABLE_CLICKHOUSE_CODES[code] ?? PERMANENT_CLICKHOUSE_CODES[code] ?? `CLICKHOUSE_${code}`;
}

/** Reads the `Code: <n>.` prefix ClickHouse puts in its messages. */
export function parseClickHouseCode(message: string): number | undefined {
  const match = /Code:\s*(\d+)/.exec(message);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  type?: unknown;
  clickhouseCode?: unknown;
  name?: unknown;
}

/**
 * Turns anything thrown by @clickhouse/client or chdb into a StoreError with a code and a
 * retryable flag. `context` says what was being done (operation, table).
 */
export function toStoreError(err: unknown, context: Record<string, unknown>): StoreError {
  if (err instanceof StoreError) return err;
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as ErrorLike;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const what = `${String(context.operation ?? 'clickhouse')}${context.table ? ` ${String(context.table)}` : ''}`;
  const options = { cause: err, context };

  // chdb typed errors: string code CHDB_*, numeric clickhouseCode.
  if (typeof e.code === 'string' && e.code.startsWith('CHDB_')) {
    if (e.code === 'CHDB_TIMEOUT') return new StoreError(`${what}: timed out: ${message}`, 'TIMEOUT', true, options);
    if (e.code === 'CHDB_CLOSED') return new StoreError(`${what}: embedded engine closed`, 'CLOSED', false, options);
    const chCode = typeof e.clickhouseCode === 'number' ? e.clickhouseCode : parseClickHouseCode(message);
    if (chCode !== undefined) return fromClickHouseCode(chCode, undefined, `${what}: ${message}`, options);
    if (e.code === 'CHDB_CONNECTION') {
      return new StoreError(`${what}: embedded engine connection failed: ${message}`, 'EMBEDDED_UNAVAILABLE', false, options);
    }
    return new StoreError(`${what}: ${message}`, 'UNKNOWN', false, options);
  }

  // @clickhouse/client ClickHouseError: code is the numeric code as a string, type its name.
  if (typeof e.code === 'string' && /^\d+$/.test(e.code)) {
    const type = typeof e.type === 'string' && e.type !== '' ? e.type : undefined;
    return fromClickHouseCode(Number(e.code), type, `${what}: ${message}`, options);
  }

  // Node socket errors.
  if (typeof e.code === 'string' && NETWORK_ERRNOS.has(e.code)) {
    return new StoreError(`${what}: network error ${e.code}: ${message}`, 'NETWORK', true, options);
  }
  if (/timeout/i.test(message)) return new StoreError(`${what}: timed out: ${message}`, 'TIMEOUT', true, options);
  if (/socket hang up|ECONNRESET|ECONNREFUSED|other side closed/i.test(message)) {
    return new StoreError(`${what}: network error: ${message}`, 'NETWORK', true, options);
  }
  const parsed = parseClickHouseCode(message);
  if (parsed !== undefined) return fromClickHouseCode(parsed, undefined, `${what}: ${message}`, options);
  return new StoreError(`${what}: ${message}`, 'UNKNOWN', false, options);
}

function fromClickHouseCode(
  code: number,
  type: string | undefined,
  message: string,
  options: { cause: unknown; context: Record<string, unknown> },
): StoreError {
  const name = type ?? clickHouseCodeName(code);
  return new StoreError(message, name, isRetryableClickHouseCode(code), { ...options, clickhouseCode: code });
}

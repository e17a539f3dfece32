/** The one interface the rest of Tailstream uses to talk to ClickHouse, over HTTP or embedded. */
export interface ClickHouse {
  /** `http` (a ClickHouse server through @clickhouse/client) or `embedded` (chdb in this process). */
  readonly kind: 'http' | 'embedded';
  /**
   * The database Tailstream's tables live in. Connections carry no default database (it may not
   * exist yet when migrations run): SQL passed to `command`/`query` names tables as `db.table`;
   * `insertJsonEachRow` qualifies a bare table name with this database.
   */
  readonly database: string;
  /** Runs one statement that returns no rows (DDL, OPTIMIZE, SYSTEM ...). */
  command(sql: string): Promise<void>;
  /**
   * Runs a SELECT and returns its rows as parsed JSON objects. `params` bind `{name:Type}`
   * placeholders server-side. 64-bit integers come back as strings (ClickHouse's JSON default).
   */
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, QueryParam>): Promise<T[]>;
  /**
   * Inserts pre-serialized JSONEachRow text (one JSON object per line) and resolves only once
   * ClickHouse acknowledged the write (never a fire-and-forget async insert).
   * With `dedupToken`, a repeat of the same insert with the same token is dropped by ClickHouse
   * (idempotent replay); without it the store sends a fresh random token, so identical but
   * distinct inserts are never deduplicated by content.
   */
  insertJsonEachRow(table: string, body: string | Buffer, options?: InsertOptions): Promise<void>;
  /** Releases the connection (the embedded engine closes when its last user closes). */
  close(): Promise<void>;
}

/** Value for a `{name:Type}` query parameter. */
export type QueryParam = string | number | boolean | bigint | Date | ReadonlyArray<string | number>;

export interface InsertOptions {
  /**
   * Insert deduplication token: derive it from what the rows came from (e.g. source topic,
   * partition and offset range) so a replay of the same rows carries the same token.
   */
  dedupToken?: string;
}

/** How to reach ClickHouse. `url` selects HTTP; without it the embedded engine is used. */
export interface ClickHouseOptions {
  /** Database Tailstream's tables live in (letters, digits, underscore). */
  database: string;
  /** ClickHouse HTTP(S) URL, e.g. `http://127.0.0.1:8123`. When unset, chdb runs in-process. */
  url?: string;
  username?: string;
  password?: string;
  /** HTTP request timeout in ms (default 30 000). */
  requestTimeoutMs?: number;
  /** Data directory of the embedded engine (required when `url` is unset). One per process. */
  embeddedPath?: string;
}

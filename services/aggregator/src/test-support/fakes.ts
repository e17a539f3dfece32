import type { DeadLetter, DeadLetterWriter } from '@tailstream/kafka';
import { StoreError, type ClickHouse } from '@tailstream/store';
import { createLogger } from '@tailstream/telemetry';
import type { KafkaMessage } from 'kafkajs';
import { Registry } from 'prom-client';
import { createAggregatorMetrics } from '../metrics';

/** What happened, in order: inserts (with their token and rows) and commits (with metadata). */
export type Event =
  | { kind: 'insert'; table: string; token: string | undefined; lines: string[] }
  | { kind: 'commit'; topic: string; partition: number; offset: bigint; metadata: string | undefined };

/**
 * An in-memory ClickHouse for unit tests: records acknowledged inserts into a shared event log,
 * and can refuse inserts (`failNext`, `rejectLinesMatching`) or hold them (`hold`).
 */
export class FakeClickHouse implements ClickHouse {
  readonly kind = 'embedded' as const;
  readonly database = 'fake';
  /** Attempts per table, failed ones included. */
  readonly attempts: { table: string; token: string | undefined }[] = [];
  private failures = 0;
  private failure: () => StoreError = () => new StoreError('Too many parts', 'TOO_MANY_PARTS', true, { clickhouseCode: 252 });
  private rejectPattern: RegExp | undefined;
  private held: { promise: Promise<void>; release: () => void } | undefined;
  /** Called at each attempt before it resolves (e.g. to read a gauge while the insert is in flight). */
  onAttempt: (table: string) => void = () => undefined;

  constructor(readonly events: Event[] = []) {}

  /** The next `count` inserts fail with a retryable TOO_MANY_PARTS (or the given error). */
  failNext(count: number, error?: () => StoreError): void {
    this.failures = count;
    if (error) this.failure = error;
  }

  /** Inserts whose body contains a line matching `pattern` fail with a permanent parse error. */
  rejectLinesMatching(pattern: RegExp): void {
    this.rejectPattern = pattern;
  }

  /** Holds every insert until the returned function is called. */
  hold(): () => void {
    let release = (): void => undefined;
    const promise = new Promise<void>((resolve) => (release = resolve));
    this.held = { promise, release };
    return () => {
      this.held = undefined;
      release();
    };
  }

  async command(): Promise<void> {}

  async query<T>(_sql: string, _params?: Record<string, unknown>): Promise<T[]> {
    return [];
  }

  async insertJsonEachRow(table: string, body: string | Buffer, options?: { dedupToken?: string }): Promise<void> {
    this.attempts.push({ table, token: options?.dedupToken });
    this.onAttempt(table);
    if (this.held) await this.held.promise;
    if (this.failures > 0) {
      this.failures--;
      throw this.failure();
    }
    const lines = String(body).split('\n').filter((l) => l !== '');
    if (this.rejectPattern && lines.some((l) => this.rejectPattern!.test(l))) {
      throw new StoreError('Cannot parse input', 'CANNOT_PARSE_TEXT', false, { clickhouseCode: 6 });
    }
    this.events.push({ kind: 'insert', table, token: options?.dedupToken, lines });
  }

  async close(): Promise<void> {}

  inserts(table?: string): Extract<Event, { kind: 'insert' }>[] {
    return this.events.filter((e): e is Extract<Event, { kind: 'insert' }> => e.kind === 'insert' && (table === undefined || e.table === table));
  }
}

/** Commit function recording into the same event log. */
export function recordingCommit(events: Event[]) {
  return async (topic: string, partition: number, offset: bigint, metadata?: string): Promise<void> => {
    events.push({ kind: 'commit', topic, partition, offset, metadata });
  };
}

/** A dead-letter writer that keeps what it was sent. */
export function fakeDeadLetters(): { writer: DeadLetterWriter; letters: DeadLetter[] } {
  const letters: DeadLetter[] = [];
  const writer = { send: async (letter: DeadLetter) => void letters.push(letter) } as unknown as DeadLetterWriter;
  return { writer, letters };
}

/** Metrics on a private registry, and a silent logger. */
export function unitDeps() {
  const registry = new Registry();
  return { registry, metrics: createAggregatorMetrics(registry), logger: createLogger({ name: 'aggregator-unit', level: 'silent' }) };
}

/** Current value of a metric with the given labels (0 when absent). */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const data = await metric.get();
  let sum = 0;
  for (const v of data.values) {
    if (Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val)) sum += v.value;
  }
  return sum;
}

/** A Kafka message at `offset` with `value`. */
export function message(offset: number, value: Buffer | string, headers: Record<string, string> = {}): KafkaMessage {
  return {
    key: Buffer.from(`k${offset}`),
    value: Buffer.isBuffer(value) ? value : Buffer.from(value),
    offset: String(offset),
    timestamp: '0',
    attributes: 0,
    headers,
  } as KafkaMessage;
}

/** A batch context that never goes stale. */
export const liveContext = { heartbeat: async () => undefined, isStale: () => false };

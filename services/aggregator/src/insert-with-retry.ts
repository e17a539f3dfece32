import type { ClickHouse } from '@tailstream/store';
import type { Logger } from '@tailstream/telemetry';
import type { AggregatorMetrics } from './metrics';

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

/**
 * Inserts JSONEachRow lines and retries until ClickHouse acknowledges, with exponential backoff
 * and full jitter. Retries keep the same dedup token, so an insert that did land before its
 * acknowledgement was lost is not doubled. `keepAlive` runs between attempts (Kafka heartbeats),
 * `shouldStop` ends the loop on shutdown or revoke (the caller then does not commit). A
 * non-retryable error (the rows themselves are bad) is thrown at once for the caller to isolate.
 */
export async function insertWithRetry(
  ch: ClickHouse,
  table: string,
  lines: string[],
  dedupToken: string,
  deps: {
    metrics: AggregatorMetrics;
    logger: Logger;
    retry: RetryPolicy;
    keepAlive?: () => Promise<void>;
    shouldStop?: () => boolean;
  },
): Promise<void> {
  if (lines.length === 0) return;
  const body = lines.join('\n') + '\n';
  let delay = deps.retry.initialMs;
  for (let attempt = 1; ; attempt++) {
    const end = deps.metrics.insertLatency.startTimer({ table });
    try {
      await ch.insertJsonEachRow(table, body, { dedupToken });
      end();
      deps.metrics.rowsInserted.inc({ table }, lines.length);
      deps.metrics.batchRows.observe({ table }, lines.length);
      return;
    } catch (error) {
      deps.metrics.insertFailures.inc({ table });
      const retryable = (error as { retryable?: boolean }).retryable !== false;
      deps.logger.warn({ err: error, table, rows: lines.length, attempt, retryable, nextInMs: delay }, 'insert failed; retrying');
      if (!retryable || deps.shouldStop?.()) throw error;
      const wait = Math.random() * delay;
      await sleepWithKeepAlive(wait, deps.keepAlive);
      delay = Math.min(deps.retry.maxMs, delay * 2);
    }
  }
}

async function sleepWithKeepAlive(ms: number, keepAlive?: () => Promise<void>): Promise<void> {
  const step = 1000;
  for (let left = ms; left > 0; left -= step) {
    await new Promise((resolve) => setTimeout(resolve, Math.min(step, left)));
    await keepAlive?.().catch(() => undefined);
  }
}

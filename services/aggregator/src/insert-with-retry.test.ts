import { StoreError } from '@tailstream/store';
import { insertWithRetry } from './insert-with-retry';
import { FakeClickHouse, metricValue, unitDeps } from './test-support/fakes';

function setUp() {
  const ch = new FakeClickHouse();
  const { registry, metrics, logger } = unitDeps();
  return { ch, registry, deps: { metrics, logger, retry: { initialMs: 1, maxMs: 4 } } };
}

describe('insertWithRetry', () => {
  it('retries retryable failures with the same token until ClickHouse acknowledges, keeping the consumer alive in between', async () => {
    const { ch, registry, deps } = setUp();
    ch.failNext(3);
    let keepAlives = 0;
    await insertWithRetry(ch, 'otel_traces', ['{"a":1}', '{"a":2}'], 'tok-1', { ...deps, keepAlive: async () => void keepAlives++ });
    expect(ch.attempts).toEqual(Array(4).fill({ table: 'otel_traces', token: 'tok-1' }));
    expect(ch.inserts()).toEqual([{ kind: 'insert', table: 'otel_traces', token: 'tok-1', lines: ['{"a":1}', '{"a":2}'] }]);
    expect(keepAlives).toBeGreaterThanOrEqual(1);
    expect(await metricValue(registry, 'tailstream_aggregator_insert_failures_total', { table: 'otel_traces' })).toBe(3);
    expect(await metricValue(registry, 'tailstream_aggregator_rows_inserted_total', { table: 'otel_traces' })).toBe(2);
  });

  it('throws a non-retryable error at once', async () => {
    const { ch, deps } = setUp();
    ch.failNext(1, () => new StoreError('Cannot parse input', 'CANNOT_PARSE_TEXT', false));
    await expect(insertWithRetry(ch, 't', ['x'], 'tok', deps)).rejects.toMatchObject({ code: 'CANNOT_PARSE_TEXT', retryable: false });
    expect(ch.attempts).toHaveLength(1);
  });

  it('gives up on a retryable error once asked to stop (shutdown or revoke), without acknowledging', async () => {
    const { ch, deps } = setUp();
    ch.failNext(100);
    await expect(insertWithRetry(ch, 't', ['x'], 'tok', { ...deps, shouldStop: () => ch.attempts.length >= 2 })).rejects.toMatchObject({ retryable: true });
    expect(ch.attempts).toHaveLength(2);
    expect(ch.inserts()).toEqual([]);
  });

  it('sends nothing for no rows', async () => {
    const { ch, deps } = setUp();
    await insertWithRetry(ch, 't', [], 'tok', deps);
    expect(ch.attempts).toEqual([]);
  });
});

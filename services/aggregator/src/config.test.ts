import { AGGREGATOR_ENV_PREFIX, loadAggregatorConfig } from './config';

describe('aggregator config from env', () => {
  it('reads histogram bounds as a comma-separated list of numbers', () => {
    const config = loadAggregatorConfig({ env: { [`${AGGREGATOR_ENV_PREFIX}RED_HISTOGRAM_BOUNDS_MS`]: '2, 5,10.5,100' } });
    expect(config.red.histogramBoundsMs).toEqual([2, 5, 10.5, 100]);
  });

  it.each(['2,abc', '2,-5', '0'])('names the bad bound in %j', (value) => {
    expect(() => loadAggregatorConfig({ env: { [`${AGGREGATOR_ENV_PREFIX}RED_HISTOGRAM_BOUNDS_MS`]: value } })).toThrow(/red\.histogramBoundsMs\.\d/);
  });

  it('reads the test-only fault options and the consumer session timeout', () => {
    const config = loadAggregatorConfig({
      env: {
        [`${AGGREGATOR_ENV_PREFIX}FAULT_KILL_AFTER_INSERTS`]: '3',
        [`${AGGREGATOR_ENV_PREFIX}FAULT_KILL_TABLE`]: 'otel_traces',
        [`${AGGREGATOR_ENV_PREFIX}CONSUMER_SESSION_TIMEOUT_MS`]: '6000',
      },
    });
    expect(config.fault).toEqual({ killAfterInserts: 3, killTable: 'otel_traces' });
    expect(config.consumer.sessionTimeoutMs).toBe(6000);
    expect(loadAggregatorConfig({ env: {} }).fault).toEqual({ killAfterInserts: 0, killTable: '' });
  });
});

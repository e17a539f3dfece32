import { loadSamplerConfig } from './config';

describe('tail-sampler config: fetch sizes', () => {
  it('fetches at most 1 MiB per partition and 8 MiB in all by default', () => {
    const config = loadSamplerConfig({ env: {} });
    expect(config.consumer.maxBytesPerPartition).toBe(1024 * 1024);
    expect(config.consumer.maxBytes).toBe(8 * 1024 * 1024);
  });

  it('reads them from the environment', () => {
    const config = loadSamplerConfig({
      env: { TAILSTREAM_SAMPLER_CONSUMER_MAX_BYTES_PER_PARTITION: '4194304', TAILSTREAM_SAMPLER_CONSUMER_MAX_BYTES: '33554432' },
    });
    expect(config.consumer.maxBytesPerPartition).toBe(4 * 1024 * 1024);
    expect(config.consumer.maxBytes).toBe(32 * 1024 * 1024);
  });

  it('rejects a fetch size of 0, naming the option', () => {
    expect(() => loadSamplerConfig({ env: { TAILSTREAM_SAMPLER_CONSUMER_MAX_BYTES_PER_PARTITION: '0' } })).toThrow(/consumer\.maxBytesPerPartition/);
  });
});

describe('tail-sampler config: decision cache', () => {
  it('holds a million decisions by default and refuses a bound past 100 million, naming the option', () => {
    expect(loadSamplerConfig({ env: {} }).decisionCache.maxEntries).toBe(1_000_000);
    expect(loadSamplerConfig({ env: { TAILSTREAM_SAMPLER_DECISION_CACHE_MAX_ENTRIES: '5000' } }).decisionCache.maxEntries).toBe(5000);
    expect(() => loadSamplerConfig({ env: { TAILSTREAM_SAMPLER_DECISION_CACHE_MAX_ENTRIES: '200000000' } })).toThrow(/decisionCache\.maxEntries/);
  });
});

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

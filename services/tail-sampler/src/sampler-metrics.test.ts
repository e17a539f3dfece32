import { MemoryBudget } from '@tailstream/assembly';
import { createLogger, createRegistry } from '@tailstream/telemetry';
import { DecisionCache } from './decision-cache';
import type { DecisionsTailer } from './decisions-tailer';
import type { DecisionEmitter } from './emitter';
import { createSamplerMetrics } from './metrics';
import type { PolicyHolder } from './policy-holder';
import { SamplerHandler } from './sampler-handler';

const id = (n: number): Buffer => Buffer.from(n.toString(16).padStart(32, '0'), 'hex');

describe('sampler metrics', () => {
  it('counts the decisions the full decision cache drops, once each', async () => {
    const registry = createRegistry('test');
    const cache = new DecisionCache(2);
    const handler = new SamplerHandler({
      cache,
      tailer: { waitFor: async () => true } as unknown as DecisionsTailer,
      emitter: {} as unknown as DecisionEmitter,
      policies: { engine: {} } as unknown as PolicyHolder,
      deadLetters: { send: async () => undefined } as never,
      metrics: createSamplerMetrics(registry),
      logger: createLogger({ name: 'test', level: 'silent' }),
      budget: new MemoryBudget(),
      bufferConfig: () => ({}),
      committedMetadata: async () => null,
      commit: async () => undefined,
      seek: () => undefined,
      highWatermarks: async () => new Map(),
      idleAdvanceMs: 60_000,
      catchUpTimeoutMs: 10,
    });
    const decision = { sampled: false, policy: '', policyVersion: 'v1', adjustedCount: 0, spanCount: 1 };
    const scrape = async (): Promise<string> => (await registry.metrics()).split('\n').filter((l) => l.startsWith('tailstream_sampler_decision_cache_')).join('\n');

    for (let n = 1; n <= 5; n++) cache.set(id(n), decision);
    await handler.tick();
    expect(await scrape()).toBe('tailstream_sampler_decision_cache_entries{service="test"} 2\ntailstream_sampler_decision_cache_evictions_total{service="test"} 3');
    await handler.tick(); // nothing new: not counted again
    cache.set(id(6), decision);
    await handler.tick();
    expect(await scrape()).toBe('tailstream_sampler_decision_cache_entries{service="test"} 2\ntailstream_sampler_decision_cache_evictions_total{service="test"} 4');
  });
});

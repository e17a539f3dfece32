import { collectDefaultMetrics, Registry } from 'prom-client';

/** One Prometheus registry per process, with Node's default metrics and a `service` label. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry, prefix: 'tailstream_process_' });
  return registry;
}

/** Latency buckets in seconds for produce/insert/decision latencies (1 ms … 60 s). */
export const LATENCY_BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** Batch-size buckets (records or rows per batch). */
export const BATCH_SIZE_BUCKETS = [1, 10, 50, 100, 500, 1000, 2500, 5000, 10000, 50000];

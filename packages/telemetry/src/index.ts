export { createLogger, type Logger, type LoggerOptions } from './logger';
export { createRegistry, LATENCY_BUCKETS_SECONDS, BATCH_SIZE_BUCKETS } from './metrics';
export { OpsServer, type OpsServerOptions, type ReadinessCheck } from './ops-server';
export { Shutdown, type ShutdownStep } from './shutdown';
export { startRuntime, type RuntimeOptions, type WorkerRuntime } from './runtime';

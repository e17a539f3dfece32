import type { Registry } from 'prom-client';
import { createLogger, type Logger } from './logger';
import { createRegistry } from './metrics';
import { OpsServer } from './ops-server';
import { Shutdown } from './shutdown';

export interface RuntimeOptions {
  /** Service name, e.g. `ingest`; labels logs and metrics. */
  name: string;
  log: { level: string; pretty: boolean };
  http: { host: string; port: number };
  /** Use this logger instead of creating one (e.g. a child logger when several workers share a process). */
  logger?: Logger;
}

/** What every worker process starts with: logger, metrics registry, ops server, ordered shutdown. */
export interface WorkerRuntime {
  logger: Logger;
  registry: Registry;
  ops: OpsServer;
  shutdown: Shutdown;
  /** Port the ops server listens on (after start). */
  opsPort: number;
}

/**
 * Creates the runtime and starts the ops server. The shutdown's first step marks the process
 * not-ready; the worker then adds its own steps (stop intake, drain, flush, commit, close) and the
 * last step stops the ops server.
 */
export async function startRuntime(options: RuntimeOptions): Promise<WorkerRuntime & { finish: () => void }> {
  const logger = options.logger ?? createLogger({ name: options.name, level: options.log.level, pretty: options.log.pretty });
  const registry = createRegistry(options.name);
  const ops = new OpsServer({ host: options.http.host, port: options.http.port, registry });
  const shutdown = new Shutdown(logger);
  const opsPort = await ops.start();
  logger.info({ host: options.http.host, port: opsPort }, 'ops server listening (/metrics, /healthz, /readyz)');
  shutdown.add('mark not ready', () => ops.markShuttingDown());
  return {
    logger,
    registry,
    ops,
    shutdown,
    opsPort,
    /**
     * Call once the worker has started everything and added its own shutdown steps: marks the
     * process started (`/readyz` answers 503 before) and appends stopping the ops server as the
     * last shutdown step.
     */
    finish: () => {
      shutdown.add('stop ops server', () => ops.stop());
      ops.markStarted();
    },
  };
}

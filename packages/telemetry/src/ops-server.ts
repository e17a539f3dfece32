import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A named readiness check; ready only when every check returns true. */
export type ReadinessCheck = () => boolean | Promise<boolean>;

export interface OpsServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Extra routes (exact path match, GET), e.g. a read-only query endpoint. */
  routes?: Record<string, (url: URL) => Promise<{ status: number; body: string; contentType?: string }>>;
}

/**
 * The operations HTTP server: `/metrics` (Prometheus), `/healthz` (alive: every liveness check
 * passes; a failing one means only a restart of the process helps), `/readyz` (ready for traffic:
 * the worker finished starting, all readiness checks pass and shutdown has not started).
 */
export class OpsServer {
  private server: Server | undefined;
  private readonly checks = new Map<string, ReadinessCheck>();
  private readonly livenessChecks = new Map<string, () => boolean>();
  private shuttingDown = false;
  /** False until markStarted(): the server answers while the worker is still starting its receivers. */
  private started = false;
  private readonly routes = new Map<string, NonNullable<OpsServerOptions['routes']>[string]>();

  constructor(private readonly options: OpsServerOptions) {
    for (const [path, handler] of Object.entries(options.routes ?? {})) this.routes.set(path, handler);
  }

  /** Adds a GET route (exact path), e.g. a read-only query endpoint. */
  addRoute(path: string, handler: NonNullable<OpsServerOptions['routes']>[string]): void {
    this.routes.set(path, handler);
  }

  addReadinessCheck(name: string, check: ReadinessCheck): void {
    this.checks.set(name, check);
  }

  /** A check that fails only when the process cannot recover by itself; `/healthz` answers 503 then. */
  addLivenessCheck(name: string, check: () => boolean): void {
    this.livenessChecks.set(name, check);
  }

  liveness(): { alive: boolean; checks: Record<string, boolean> } {
    const checks: Record<string, boolean> = {};
    for (const [name, check] of this.livenessChecks) {
      try {
        checks[name] = check();
      } catch {
        checks[name] = false;
      }
    }
    return { alive: Object.values(checks).every(Boolean), checks };
  }

  /** The worker finished starting (every receiver listens): `/readyz` may answer 200 from now on. */
  markStarted(): void {
    this.started = true;
  }

  /** From now on `/readyz` answers 503 (first step of a graceful shutdown). */
  markShuttingDown(): void {
    this.shuttingDown = true;
  }

  async readiness(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const checks: Record<string, boolean> = { started: this.started, shutdown: !this.shuttingDown };
    for (const [name, check] of this.checks) {
      try {
        checks[name] = await check();
      } catch {
        checks[name] = false;
      }
    }
    return { ready: Object.values(checks).every(Boolean), checks };
  }

  async start(): Promise<number> {
    const server = createServer((req, res) => {
      void this.handle(req.url ?? '/', req.method ?? 'GET').then(
        ({ status, body, contentType }) => {
          res.writeHead(status, { 'content-type': contentType ?? 'application/json' });
          res.end(body);
        },
        (error: Error) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: error.message }));
        },
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
  }

  private async handle(rawUrl: string, method: string): Promise<{ status: number; body: string; contentType?: string }> {
    const url = new URL(rawUrl, 'http://localhost');
    if (method !== 'GET' && method !== 'HEAD') return { status: 405, body: JSON.stringify({ error: 'method not allowed' }) };
    switch (url.pathname) {
      case '/metrics':
        return { status: 200, body: await this.options.registry.metrics(), contentType: this.options.registry.contentType };
      case '/healthz': {
        const { alive, checks } = this.liveness();
        return { status: alive ? 200 : 503, body: JSON.stringify({ status: alive ? 'ok' : 'failed', checks }) };
      }
      case '/readyz': {
        const { ready, checks } = await this.readiness();
        return { status: ready ? 200 : 503, body: JSON.stringify({ status: ready ? 'ready' : 'not ready', checks }) };
      }
      default: {
        const route = this.routes.get(url.pathname);
        if (route) return route(url);
        return { status: 404, body: JSON.stringify({ error: `no route ${url.pathname}` }) };
      }
    }
  }
}

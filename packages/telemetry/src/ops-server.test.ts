import { Counter } from 'prom-client';
import { createLogger } from './logger';
import { createRegistry } from './metrics';
import { OpsServer } from './ops-server';
import { Shutdown } from './shutdown';

describe('OpsServer', () => {
  it('serves /metrics, /healthz and /readyz, and turns not-ready once shutdown starts', async () => {
    const registry = createRegistry('test');
    new Counter({ name: 'tailstream_test_things_total', help: 'things', registers: [registry] }).inc(3);
    const ops = new OpsServer({ host: '127.0.0.1', port: 0, registry });
    let connected = false;
    ops.addReadinessCheck('kafka', () => connected);
    const port = await ops.start();
    const base = `http://127.0.0.1:${port}`;
    try {
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(metrics).toContain('tailstream_test_things_total{service="test"} 3');
      expect((await fetch(`${base}/healthz`)).status).toBe(200);

      const notReady = await fetch(`${base}/readyz`);
      expect(notReady.status).toBe(503);
      expect(await notReady.json()).toMatchObject({ checks: { started: false, kafka: false, shutdown: true } });

      // Checks passing is not enough while the worker is still starting (receivers not listening yet).
      connected = true;
      const starting = await fetch(`${base}/readyz`);
      expect(starting.status).toBe(503);
      expect(await starting.json()).toMatchObject({ checks: { started: false, kafka: true, shutdown: true } });

      ops.markStarted();
      expect((await fetch(`${base}/readyz`)).status).toBe(200);

      ops.markShuttingDown();
      const draining = await fetch(`${base}/readyz`);
      expect(draining.status).toBe(503);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect((await fetch(`${base}/nope`)).status).toBe(404);
    } finally {
      await ops.stop();
    }
  });

  it('answers /healthz 503 naming the failed liveness check', async () => {
    const ops = new OpsServer({ host: '127.0.0.1', port: 0, registry: createRegistry('test') });
    let consumerAlive = true;
    ops.addLivenessCheck('kafka_consumer', () => consumerAlive);
    ops.addLivenessCheck('throws', () => {
      if (!consumerAlive) throw new Error('boom');
      return true;
    });
    const base = `http://127.0.0.1:${await ops.start()}`;
    try {
      const ok = await fetch(`${base}/healthz`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ status: 'ok', checks: { kafka_consumer: true, throws: true } });
      consumerAlive = false;
      const failed = await fetch(`${base}/healthz`);
      expect(failed.status).toBe(503);
      expect(await failed.json()).toEqual({ status: 'failed', checks: { kafka_consumer: false, throws: false } });
    } finally {
      await ops.stop();
    }
  });
});

describe('Shutdown', () => {
  it('runs steps once, in order, and goes on after a failing or hanging step', async () => {
    const done: string[] = [];
    const shutdown = new Shutdown(createLogger({ name: 'test', level: 'silent' }), 50);
    shutdown.add('stop intake', () => {
      done.push('stop intake');
    });
    shutdown.add('broken', () => {
      throw new Error('boom');
    });
    shutdown.add('hangs', () => new Promise<void>(() => undefined));
    shutdown.add('close clients', async () => {
      done.push('close clients');
    });
    await Promise.all([shutdown.run('test'), shutdown.run('again')]);
    expect(done).toEqual(['stop intake', 'close clients']);
  });
});

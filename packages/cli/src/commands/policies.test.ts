import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrafficGenerator, writeRecordedTraces } from '@tailstream/loadgen';
import { EXIT } from '../command';
import { policiesCommand } from './policies';

function capture(): { out: string[]; restore: () => void } {
  const out: string[] = [];
  const log = jest.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const err = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  return { out, restore: () => (log.mockRestore(), err.mockRestore()) };
}

describe('tailstream policies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cli-policies-'));
  const good = join(dir, 'good.yaml');
  const bad = join(dir, 'bad.yaml');
  writeFileSync(
    good,
    'tail_sampling:\n  policies:\n    - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}\n    - {name: everything, type: always_sample}\n',
  );
  writeFileSync(bad, 'tail_sampling:\n  policies:\n    - {name: broken, type: latency, latency: {threshold_ms: -5}}\n');

  it('validate: exit 0 and the policies for a valid file, exit 3 naming the policy for an invalid one', async () => {
    const c = capture();
    try {
      expect(await policiesCommand.run(['validate', good])).toBe(EXIT.OK);
      expect(c.out.join('\n')).toMatch(/valid \(otel format\), version [0-9a-f]+[\s\S]*policy errors \(status_code\)/);
      expect(await policiesCommand.run(['validate', bad])).toBe(EXIT.INVALID);
      expect(c.out.join('\n')).toContain('broken');
    } finally {
      c.restore();
    }
  });

  it('test: replays recorded traces without Kafka and reports kept traces per deciding policy', async () => {
    const generator = new TrafficGenerator({ seed: 7, traces: 200, errorRate: 0.1 });
    const batches = [...generator].flatMap((r) => r.batches);
    const recorded = join(dir, 'traces.ndjson');
    await writeRecordedTraces(recorded, batches);
    const truth = generator.groundTruth.toJSON();
    const withErrors = truth.traces!.filter((t) => t.hasError);
    const c = capture();
    try {
      expect(await policiesCommand.run(['test', good, '--traces', recorded, '--json'])).toBe(EXIT.OK);
    } finally {
      c.restore();
    }
    const report = JSON.parse(c.out.join('\n')) as { traces: number; keptTraces: number; byPolicy: { policy: string; kept_traces: number; kept_spans: number }[] };
    expect(report.traces).toBe(200);
    expect(report.keptTraces).toBe(200);
    const errors = report.byPolicy.find((p) => p.policy === 'errors');
    expect(errors?.kept_traces).toBe(withErrors.length);
    expect(errors?.kept_spans).toBe(withErrors.reduce((n, t) => n + t.spanCount, 0));
    expect(report.byPolicy.find((p) => p.policy === 'everything')?.kept_traces).toBe(200 - withErrors.length);
  });
});

import * as fs from 'node:fs';
import { aggregatorConfigSchema } from './config';
import { withKillAfterInserts } from './fault-injection';
import { FakeClickHouse } from './test-support/fakes';

jest.mock('node:fs', () => ({ ...jest.requireActual<typeof fs>('node:fs'), writeSync: jest.fn() }));

afterEach(() => jest.restoreAllMocks());

describe('fault injection (tests only)', () => {
  it('is off by default and then returns the store itself', () => {
    const config = aggregatorConfigSchema.parse({});
    expect(config.fault).toEqual({ killAfterInserts: 0, killTable: '' });
    const ch = new FakeClickHouse();
    expect(withKillAfterInserts(ch, config.fault)).toBe(ch);
  });

  it('SIGKILLs the process right after the N-th acknowledged insert into the table, before returning to the caller', async () => {
    const kill = jest.spyOn(process, 'kill').mockImplementation(() => true);
    const ch = new FakeClickHouse();
    const faulty = withKillAfterInserts(ch, { killAfterInserts: 2, killTable: 'otel_traces' });
    await faulty.insertJsonEachRow('otel_traces', '{"a":1}\n', { dedupToken: 't1' });
    await faulty.insertJsonEachRow('db.red_metrics_ingest', '{"a":1}\n', { dedupToken: 'r1' });
    expect(kill).not.toHaveBeenCalled();
    await faulty.insertJsonEachRow('db.otel_traces', '{"a":2}\n', { dedupToken: 't2' });
    expect(kill).toHaveBeenCalledWith(process.pid, 'SIGKILL');
    expect(ch.inserts().map((i) => i.token)).toEqual(['t1', 'r1', 't2']);
    expect(jest.mocked(fs.writeSync).mock.calls.at(-1)?.[1]).toContain('"dedupToken":"t2"');
  });
});

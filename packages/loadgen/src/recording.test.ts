import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { toHex, type SpanBatch } from '@tailstream/model';
import { TrafficGenerator } from './generator';
import { groundTruthFromBatches, readGroundTruth, writeGroundTruth } from './ground-truth';
import {
  readRecordedRequests,
  readRecordedTraces,
  RecordingError,
  replayRecording,
  writeRecordedRequests,
  writeRecordedTraces,
} from './recording';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'loadgen-recording-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Every span with its content, keyed by trace/span ID, for exact comparison. */
function content(batches: SpanBatch[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const b of batches) {
    for (const s of b.spans) {
      const r = b.resources[s.resourceIndex]!;
      const sc = b.scopes[s.scopeIndex]!;
      m.set(
        `${toHex(b.traceId)}/${toHex(s.spanId)}`,
        JSON.stringify({
          ...s,
          spanId: toHex(s.spanId),
          parentSpanId: toHex(s.parentSpanId),
          startTimeUnixNano: String(s.startTimeUnixNano),
          endTimeUnixNano: String(s.endTimeUnixNano),
          resourceIndex: undefined,
          scopeIndex: undefined,
          attributes: s.attributes.toString('hex'),
          events: s.events.map((e) => e.toString('hex')),
          links: s.links.map((l) => l.toString('hex')),
          resource: { ...r, attributes: r.attributes.toString('hex') },
          scope: { ...sc, attributes: sc.attributes.toString('hex') },
        }),
      );
    }
  }
  return m;
}

describe('recorded traces', () => {
  test('write then read gives back every span with the same content (NDJSON of OTLP/JSON)', async () => {
    const generator = new TrafficGenerator({ seed: 41, traces: 60, errorRate: 0.3 });
    const batches = [...generator].flatMap((r) => r.batches);
    const file = path.join(dir, 'traces.ndjson');
    const stats = await writeRecordedTraces(file, batches, { spansPerLine: 300 });
    const text = await fs.readFile(file, 'utf8');
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(stats.lines);
    expect(JSON.parse(lines[0]!)).toHaveProperty('resourceSpans');
    const back = await readRecordedTraces(file);
    expect(content(back)).toEqual(content(batches));
    expect(stats.spans).toBe(generator.truth().totals.spans);
    const truth = generator.truth();
    const recount = groundTruthFromBatches(back);
    const byId = (t: typeof truth): unknown => [...(t.traces ?? [])].sort((a, b) => (a.traceId < b.traceId ? -1 : 1));
    expect(byId(recount)).toEqual(byId(truth));
    expect(recount.operations).toEqual(truth.operations);
    expect(recount.totals).toEqual({ ...truth.totals, requests: 0 });
  });

  test('writeRecordedRequests keeps request boundaries, one line per request', async () => {
    const requests = [...new TrafficGenerator({ seed: 42, traces: 80, lateRate: 0.1, lateAfterRequests: 1, spansPerRequest: 200 })];
    const file = path.join(dir, 'requests.ndjson');
    const stats = await writeRecordedRequests(file, requests);
    expect(stats.lines).toBe(requests.length);
    const perLine: string[][] = [];
    for await (const batches of readRecordedRequests(file))
      perLine.push(batches.flatMap((b) => b.spans.map((s) => toHex(s.spanId))).sort());
    expect(perLine).toEqual(requests.map((r) => r.batches.flatMap((b) => b.spans.map((s) => toHex(s.spanId))).sort()));
    const replayed: number[] = [];
    for await (const r of replayRecording(file)) replayed.push(r.batches.reduce((n, b) => n + b.spans.length, 0));
    expect(replayed).toEqual(perLine.map((ids) => ids.length));
  });

  test.each([
    ['not JSON', 'hello', /not an OTLP\/JSON trace request/],
    [
      'an invalid span',
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '00', spanId: '01', name: 'x' }] }] }] }),
      /1 invalid span/,
    ],
  ])('a line with %s fails with its line number', async (_name, bad, expected) => {
    const file = path.join(dir, 'bad.ndjson');
    await fs.writeFile(file, `\n${bad}\n`);
    const err = await readRecordedTraces(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RecordingError);
    expect((err as RecordingError).line).toBe(2);
    expect((err as Error).message).toMatch(expected);
  });
});

describe('ground-truth file', () => {
  test('round-trips through JSON and is checked on read', async () => {
    const generator = new TrafficGenerator({ seed: 43, traces: 40 });
    for (const _ of generator);
    const file = path.join(dir, 'truth.json');
    await writeGroundTruth(file, generator.truth());
    expect(await readGroundTruth(file)).toEqual(generator.truth());
    await fs.writeFile(file, '{"format":"something-else"}');
    await expect(readGroundTruth(file)).rejects.toThrow(/not a tailstream-loadgen-ground-truth v1 file/);
  });
});

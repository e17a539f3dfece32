import { SpanKind, StatusCode } from '@tailstream/model';
import { RedError } from './errors';
import { RedAggregator } from './red-aggregator';
import type { RedConfig } from './config';
import type { RedFlush, RedRow } from './rows';
import { ProtobufAttributeReader } from './test-support/otlp-attributes';
import { batchOf, MS, SEC, T0 } from './test-support/spans';

const MINUTE = 60n * SEC;

/** Adds the batches as consecutive offsets of partition 0 and returns every flush, flushAll included. */
function run(config: RedConfig, batches: ReturnType<typeof batchOf>[]): RedFlush[] {
  const agg = new RedAggregator(config);
  const flushes: RedFlush[] = [];
  batches.forEach((b, i) => {
    agg.add(0, BigInt(i), b);
    flushes.push(...agg.flushReady(0));
  });
  flushes.push(...agg.flushAll(0));
  return flushes;
}

/** A compact, readable view of a row. */
function view(r: RedRow) {
  return {
    bucket: Number((r.bucketStartUnixNano - T0) / SEC),
    service: r.serviceName,
    name: r.spanName,
    kind: r.spanKind,
    status: r.statusCode,
    dimensions: r.dimensions,
    calls: r.calls,
    errors: r.errors,
    sum: r.durationSumNano,
    min: r.durationMinNano,
    max: r.durationMaxNano,
    histogram: Object.fromEntries(r.bucketCounts.flatMap((c, i) => (c > 0 ? [[i, c]] : []))),
    late: r.late,
  };
}

describe('RedAggregator: exact counts per series and bucket', () => {
  it('counts calls, errors, exact duration sums and histogram buckets of known spans', () => {
    const flushes = run({}, [
      batchOf(1, [
        { service: 'api', name: 'GET /a', start: T0, duration: 1n * MS },
        { service: 'api', name: 'GET /a', start: T0 + 10n * SEC, duration: 3n * MS, status: StatusCode.Error },
        { service: 'api', name: 'GET /a', start: T0 + MINUTE - 1n, duration: 2n * MS },
        { service: 'db', name: 'query', kind: SpanKind.Client, start: T0 + 5n * SEC, duration: 2n * MS + 1n, status: StatusCode.Ok },
      ]),
      batchOf(2, [
        { service: 'api', name: 'GET /a', start: T0 + MINUTE, duration: 20_000n * MS },
        { service: 'api', name: 'GET /a', start: T0 + 2n * SEC, duration: 0n },
      ]),
    ]);
    expect(flushes).toHaveLength(1);
    const f = flushes[0] as RedFlush;
    expect(f).toMatchObject({ partition: 0, fromOffset: 0n, toOffset: 1n, reason: 'flush-all', endsEpoch: true, commitOffset: 2n });
    expect(f.rows.map(view)).toEqual([
      {
        bucket: 0, service: 'api', name: 'GET /a', kind: 'Server', status: 'Unset', dimensions: {},
        calls: 3, errors: 0, sum: 3n * MS, min: 0n, max: 2n * MS, histogram: { 0: 3 }, late: false,
      },
      {
        bucket: 0, service: 'api', name: 'GET /a', kind: 'Server', status: 'Error', dimensions: {},
        calls: 1, errors: 1, sum: 3n * MS, min: 3n * MS, max: 3n * MS, histogram: { 1: 1 }, late: false,
      },
      {
        bucket: 0, service: 'db', name: 'query', kind: 'Client', status: 'Ok', dimensions: {},
        calls: 1, errors: 0, sum: 2n * MS + 1n, min: 2n * MS + 1n, max: 2n * MS + 1n, histogram: { 1: 1 }, late: false,
      },
      {
        bucket: 60, service: 'api', name: 'GET /a', kind: 'Server', status: 'Unset', dimensions: {},
        calls: 1, errors: 0, sum: 20_000n * MS, min: 20_000n * MS, max: 20_000n * MS, histogram: { 16: 1 }, late: false,
      },
    ]);
    for (const r of f.rows) {
      expect(r.durationWeights.reduce((a, b) => a + b, 0)).toBe(r.calls);
      expect(r.bucketSeconds).toBe(60);
    }
  });

  it('keeps the duration sum exact beyond 2^53 ns', () => {
    const long = 2n ** 52n + 12_345n; // ~52 days
    const flushes = run({}, [batchOf(1, [0, 1, 2].map(() => ({ start: T0, duration: long })))]);
    expect(flushes[0]?.rows[0]?.durationSumNano).toBe(3n * long);
  });

  it('counts a span that ends before it starts with duration 0', () => {
    const [f] = run({}, [batchOf(1, [{ start: T0, duration: -5n * MS }])]);
    expect(f?.rows.map(view)[0]).toMatchObject({ calls: 1, sum: 0n, histogram: { 0: 1 } });
  });

  it('names unknown kind and status numbers like the exporter does (Unspecified, Unset)', () => {
    const [f] = run({}, [batchOf(1, [{ kind: 9 as SpanKind, status: 7 as StatusCode }])]);
    expect(f?.rows.map((r) => [r.spanKind, r.statusCode, r.errors])).toEqual([['Unspecified', 'Unset', 0]]);
  });

  it('emits rows bucket by bucket, series in first-seen order', () => {
    const [f] = run({}, [
      batchOf(1, [
        { name: 'b', start: T0 + MINUTE },
        { name: 'a', start: T0 + MINUTE },
        { name: 'z', start: T0 },
      ]),
    ]);
    expect(f?.rows.map((r) => [Number((r.bucketStartUnixNano - T0) / SEC), r.spanName])).toEqual([
      [0, 'z'],
      [60, 'b'],
      [60, 'a'],
    ]);
  });

  it('derives the dedup token from prefix, partition and offset range', () => {
    const agg = new RedAggregator({ tokenPrefix: 'spans' });
    agg.resume(7, 100n);
    agg.add(7, 103n, batchOf(1, [{}]));
    agg.add(7, 104n, batchOf(2, [{}]));
    const [f] = agg.flushAll(7);
    expect(f).toMatchObject({ partition: 7, fromOffset: 100n, toOffset: 104n, dedupToken: 'spans:7:100-104', commitOffset: 105n });
    expect(agg.safeCommitOffset(7)).toBe(105n);
  });

  it('rejects offsets that do not increase', () => {
    const agg = new RedAggregator();
    agg.add(0, 5n, batchOf(1, [{}]));
    expect(() => agg.add(0, 5n, batchOf(1, [{}]))).toThrow(RedError);
    expect(() => agg.add(0, 4n, batchOf(1, [{}]))).toThrow(
      expect.objectContaining({ code: 'RED_OFFSET_NOT_INCREASING', retryable: false }),
    );
    agg.resume(1, 10n);
    expect(() => agg.add(1, 9n, batchOf(1, [{}]))).toThrow(/offset 9/);
  });

  it('keeps partitions independent', () => {
    const agg = new RedAggregator();
    agg.add(0, 10n, batchOf(1, [{ service: 'a' }]));
    agg.add(1, 3n, batchOf(2, [{ service: 'b' }, { service: 'b' }]));
    const [f0] = agg.flushAll(0);
    const [f1] = agg.flushAll(1);
    expect(f0?.rows.map((r) => [r.serviceName, r.calls])).toEqual([['a', 1]]);
    expect(f1?.rows.map((r) => [r.serviceName, r.calls])).toEqual([['b', 2]]);
    expect(agg.stats).toMatchObject({ messages: 2, spans: 3, flushes: 2, rowsEmitted: 2 });
  });

  it('counts skipped messages toward the offset range and commit', () => {
    const agg = new RedAggregator();
    agg.add(0, 0n, batchOf(1, [{}]));
    agg.skip(0, 1n);
    const [f] = agg.flushAll(0);
    expect(f).toMatchObject({ fromOffset: 0n, toOffset: 1n, commitOffset: 2n });
    expect(agg.stats.skippedMessages).toBe(1);
  });

  it('returns nothing for a partition it never saw', () => {
    const agg = new RedAggregator();
    expect(agg.flushReady(3)).toEqual([]);
    expect(agg.flushAll(3)).toEqual([]);
    expect(agg.safeCommitOffset(3)).toBeUndefined();
  });
});

describe('RedAggregator: extra dimensions', () => {
  it('reads span attributes first, then resource attributes, omitting absent keys', () => {
    const reader = new ProtobufAttributeReader();
    const flushes = run({ extraDimensions: ['http.route', 'deployment.environment', 'retry'], attributeReader: reader }, [
      batchOf(1, [
        { attributes: { 'http.route': '/a', retry: true }, resourceAttributes: { 'deployment.environment': 'prod', 'http.route': '/ignored' } },
        { attributes: { 'http.route': '/a', retry: true }, resourceAttributes: { 'deployment.environment': 'prod' } },
        { attributes: { 'http.route': '/b', retry: 3 }, resourceAttributes: { 'deployment.environment': 'prod' } },
        { attributes: {}, resourceAttributes: { 'deployment.environment': 'prod' } },
      ]),
    ]);
    const rows = flushes.flatMap((f) => f.rows).map((r) => [r.dimensions, r.calls]);
    expect(rows).toEqual([
      [{ 'http.route': '/a', 'deployment.environment': 'prod', retry: 'true' }, 2],
      [{ 'http.route': '/b', 'deployment.environment': 'prod', retry: '3' }, 1],
      [{ 'deployment.environment': 'prod' }, 1],
    ]);
    // One read per span, plus one per resource (batchOf makes a resource per distinct attribute set).
    expect(reader.calls).toBe(4 + 2);
  });

  it('distinguishes an absent dimension from an empty value', () => {
    const flushes = run({ extraDimensions: ['k'], attributeReader: new ProtobufAttributeReader() }, [
      batchOf(1, [{ attributes: { k: '' } }, { attributes: {} }]),
    ]);
    expect(flushes[0]?.rows.map((r) => r.dimensions)).toEqual([{ k: '' }, {}]);
  });

  it('never reads attributes when no extra dimension is configured', () => {
    const reader = new ProtobufAttributeReader();
    run({ attributeReader: reader }, [batchOf(1, [{ attributes: { 'http.route': '/a' } }])]);
    expect(reader.calls).toBe(0);
  });
});

describe('resolveRedConfig via the constructor', () => {
  it.each<[RedConfig, string]>([
    [{ bucketSeconds: 0 }, 'bucketSeconds'],
    [{ bucketSeconds: 1.5 }, 'bucketSeconds'],
    [{ allowedLatenessSeconds: -1 }, 'allowedLatenessSeconds'],
    [{ histogramBoundsMs: [5, 1] }, 'histogramBoundsMs'],
    [{ sketchRelativeAccuracy: 0 }, 'sketchRelativeAccuracy'],
    [{ extraDimensions: ['a'] }, 'attributeReader'],
    [{ extraDimensions: ['a', 'a'], attributeReader: new ProtobufAttributeReader() }, 'extraDimensions'],
    [{ maxSeriesPerService: 0 }, 'maxSeriesPerService'],
    [{ epochMaxMessages: -3 }, 'epochMaxMessages'],
    [{ serviceGraph: { maxPendingHalves: 0 } }, 'serviceGraph.maxPendingHalves'],
    [{ tokenPrefix: 'a:b' }, 'tokenPrefix'],
  ])('rejects %j naming %s', (config, field) => {
    expect(() => new RedAggregator(config)).toThrow(expect.objectContaining({ code: 'RED_CONFIG_INVALID', context: expect.objectContaining({ field }) }));
  });

  it('applies the documented defaults', () => {
    const { config } = new RedAggregator();
    expect(config).toMatchObject({
      bucketSeconds: 60,
      allowedLatenessNs: 120n * SEC,
      maxSeriesPerService: 1000,
      epochMaxMessages: 20_000,
      maxOpenRows: 20_000,
      serviceGraphEnabled: true,
      pairingTtlNs: 10n * SEC,
      maxPendingHalves: 50_000,
      tokenPrefix: 'red',
    });
    expect(config.sketch.relativeAccuracy).toBe(0.01);
  });
});

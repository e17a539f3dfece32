import { StatusCode } from '@tailstream/model';
import { RedAggregator } from './red-aggregator';
import type { RedRow } from './rows';
import { OVERFLOW_SPAN_NAME, SeriesRegistry } from './series-registry';
import { ProtobufAttributeReader } from './test-support/otlp-attributes';
import { batchOf } from './test-support/spans';

function rowsOf(agg: RedAggregator): RedRow[] {
  return agg.flushAll(0).flatMap((f) => f.rows);
}

describe('per-service cardinality limit', () => {
  it('folds series beyond the limit into the overflow series, keeping per-service totals exact', () => {
    const agg = new RedAggregator({ maxSeriesPerService: 3 });
    const names = ['n1', 'n2', 'n3', 'n4', 'n5', 'n1', 'n6'];
    agg.add(0, 0n, batchOf(1, names.map((name) => ({ service: 'a', name }))));
    agg.add(0, 1n, batchOf(2, [{ service: 'a', name: 'n7', status: StatusCode.Error }, { service: 'b', name: 'n9' }]));
    const rows = rowsOf(agg);
    expect(rows.map((r) => [r.serviceName, r.spanName, r.statusCode, r.calls, r.errors, r.overflow])).toEqual([
      ['a', 'n1', 'Unset', 2, 0, false],
      ['a', 'n2', 'Unset', 1, 0, false],
      ['a', 'n3', 'Unset', 1, 0, false],
      ['a', OVERFLOW_SPAN_NAME, 'Unset', 3, 0, true],
      ['a', OVERFLOW_SPAN_NAME, 'Error', 1, 1, true],
      ['b', 'n9', 'Unset', 1, 0, false],
    ]);
    expect(rows.filter((r) => r.serviceName === 'a').reduce((n, r) => n + r.calls, 0)).toBe(8);
    expect(agg.stats.overflowSpans).toBe(4);
  });

  it('counts distinct extra-dimension values as series and empties them in the overflow series', () => {
    const agg = new RedAggregator({ maxSeriesPerService: 2, extraDimensions: ['http.route'], attributeReader: new ProtobufAttributeReader() });
    agg.add(0, 0n, batchOf(1, ['/a', '/b', '/c', '/d', '/a'].map((route) => ({ name: 'GET', attributes: { 'http.route': route } }))));
    expect(rowsOf(agg).map((r) => [r.spanName, r.dimensions, r.calls])).toEqual([
      ['GET', { 'http.route': '/a' }, 2],
      ['GET', { 'http.route': '/b' }, 1],
      [OVERFLOW_SPAN_NAME, {}, 2],
    ]);
  });

  it('applies the limit per partition and per epoch (the set of admitted series restarts with each epoch)', () => {
    const agg = new RedAggregator({ maxSeriesPerService: 1, epochMaxMessages: 1 });
    agg.add(0, 0n, batchOf(1, [{ name: 'x' }, { name: 'y' }]));
    agg.add(0, 1n, batchOf(2, [{ name: 'y' }, { name: 'x' }]));
    agg.add(1, 0n, batchOf(3, [{ name: 'y' }]));
    const p0 = [...agg.flushReady(0), ...agg.flushAll(0)].map((f) => f.rows.map((r) => r.spanName));
    expect(p0).toEqual([
      ['x', OVERFLOW_SPAN_NAME],
      ['y', OVERFLOW_SPAN_NAME],
    ]);
    expect(agg.flushReady(1).flatMap((f) => f.rows.map((r) => r.spanName))).toEqual(['y']);
  });

  it('keeps registry memory bounded whatever the input cardinality', () => {
    const registry = new SeriesRegistry(50, []);
    for (let i = 0; i < 100_000; i++) registry.resolve(`svc${i % 4}`, `name-${i}`, i % 6, i % 3);
    // 4 services × (50 admitted + at most 18 overflow series)
    expect(registry.size).toBeLessThanOrEqual(4 * (50 + 18));
    expect(registry.resolve('svc0', 'name-0', 0, 0).spanName).toBe('name-0');
    expect(registry.resolve('svc0', 'name-99999', 0, 0).overflow).toBe(true);
  });
});

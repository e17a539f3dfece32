import { CompiledAttributeKeys } from './attribute-keys';
import { PolicyEngine } from './engine';
import { EvalContext, resourceValues, spanValues } from './eval-context';
import { loadPolicyFile } from './file/load-policy-file';
import {
  BatchingProtobufAttributeReader,
  ProtobufAttributeReader,
  TableProtobufAttributeReader,
  testTrace,
} from './test-support/otlp-attributes';
import type { AttributeReader } from './trace-view';

const trace = testTrace({
  spans: [{ attrs: { 'http.route': '/api/x', vip: true } }, { attrs: { 'http.route': '/web', code: 503n } }, {}],
  resources: [{ 'service.name': 'checkout' }, {}],
});

describe('CompiledAttributeKeys', () => {
  test('spans that tell where their attributes lie are read in place through readRowIn', () => {
    const reader = new TableProtobufAttributeReader();
    const tableReader = reader.compileKeys(['http.route', 'code']);
    const inPlace: [number, number][] = [];
    reader.compileKeys = () => ({
      readRow: (buf, table, row, rows) => tableReader.readRow(buf, table, row, rows),
      readRowIn: (buf, start, end, table, row, rows) => {
        inPlace.push([start, end]);
        tableReader.readRow(buf.subarray(start, end), table, row, rows);
      },
    });
    const keys = new CompiledAttributeKeys(['http.route', 'code'], reader);
    // the second span's attributes inside a larger buffer, with bytes around them
    const second = trace.spans[1]!;
    const whole = Buffer.concat([Buffer.from('before'), second.attributes, Buffer.from('after')]);
    const inPlaceSpan = { ...second, attributes: Buffer.from('not read'), readAttributeBounds: (out: { source: Buffer; start: number; end: number }) => Object.assign(out, { source: whole, start: 6, end: 6 + second.attributes.length }) };
    const mixed = { ...trace, spans: [trace.spans[0]!, inPlaceSpan, trace.spans[2]!] };
    expect(keys.readTable(mixed)).toEqual(keys.readTable(trace));
    expect(inPlace).toEqual([[6, 6 + second.attributes.length]]);
  });


  test('a compileKeys reader: one table, key-major, resources first, then spans', () => {
    const reader = new TableProtobufAttributeReader();
    const keys = new CompiledAttributeKeys(['service.name', 'http.route', 'code'], reader);
    expect(reader.compiled).toEqual([['service.name', 'http.route', 'code']]);
    expect([keys.tableOrdinal('service.name'), keys.tableOrdinal('code'), keys.tableOrdinal('other')]).toEqual([0, 2, -1]);
    const table = keys.readTable(trace);
    // 5 rows: 2 resources + 3 spans
    expect(table).toEqual([
      ...[{ string: 'checkout' }, undefined, undefined, undefined, undefined],
      ...[undefined, undefined, { string: '/api/x' }, { string: '/web' }, undefined],
      ...[undefined, undefined, undefined, { int: 503n }, undefined],
    ]);
    expect([reader.rowReads, reader.reads]).toEqual([5, 0]);
  });

  test('readSharedTable reads what readTable reads, into one array reused from trace to trace', () => {
    const keys = new CompiledAttributeKeys(['service.name', 'http.route', 'code'], new TableProtobufAttributeReader());
    const small = testTrace({ spans: [{ attrs: { code: 7n } }], resources: [{}] });
    const first = keys.readSharedTable(trace);
    const firstGeneration = keys.sharedGeneration;
    expect(first.slice(0, 15)).toEqual(keys.readTable(trace));
    const second = keys.readSharedTable(small);
    expect(second).toBe(first);
    expect(keys.sharedGeneration).not.toBe(firstGeneration);
    // the smaller trace's slots (2 rows x 3 keys) hold only its own values: nothing left over from the larger one
    expect(second.slice(0, 6)).toEqual(keys.readTable(small));
    expect(second.slice(0, 6).filter((v) => v !== undefined)).toEqual([{ int: 7n }]);
  });

  test('an EvalContext whose shared table another trace reused reads its own values again', () => {
    const reader = new TableProtobufAttributeReader();
    const keys = new CompiledAttributeKeys(['service.name', 'http.route'], reader);
    const other = testTrace({ spans: [{ attrs: { 'http.route': '/other' } }], resources: [{ 'service.name': 'payments' }] });
    const ctx = new EvalContext(trace, reader, keys);
    expect(spanValues(ctx.values('http.route'))).toEqual([{ string: '/api/x' }, { string: '/web' }, undefined]);
    const otherCtx = new EvalContext(other, reader, keys);
    expect(resourceValues(otherCtx.values('service.name'))).toEqual([{ string: 'payments' }]);
    expect(resourceValues(ctx.values('service.name'))).toEqual([{ string: 'checkout' }, undefined]);
    expect(spanValues(ctx.values('http.route'))).toEqual([{ string: '/api/x' }, { string: '/web' }, undefined]);
    expect(spanValues(otherCtx.values('http.route'))).toEqual([{ string: '/other' }]);
  });

  test('a compileKeys reader is used for a single key too', () => {
    const reader = new TableProtobufAttributeReader();
    expect(new CompiledAttributeKeys(['vip'], reader).readTable(trace)).toEqual([
      undefined,
      undefined,
      { bool: true },
      undefined,
      undefined,
    ]);
  });

  test('getMany readers get a table for two keys or more; get-only readers and empty key lists none', () => {
    const batching = new BatchingProtobufAttributeReader();
    const two = new CompiledAttributeKeys(['service.name', 'vip'], batching);
    expect(two.readTable(trace)).toEqual([
      { string: 'checkout' },
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      { bool: true },
      undefined,
      undefined,
    ]);
    expect(batching.manyReads).toBe(5);
    expect(new CompiledAttributeKeys(['vip'], batching).tableOrdinal('vip')).toBe(-1);
    expect(new CompiledAttributeKeys(['a', 'b'], new ProtobufAttributeReader()).tableOrdinal('a')).toBe(-1);
    const none = new CompiledAttributeKeys([], new TableProtobufAttributeReader());
    expect(none.tableOrdinal('a')).toBe(-1);
    expect(() => none.readTable(trace)).toThrow(Error);
  });
});

describe('EvalContext with compiled keys', () => {
  test('the first request reads every compiled key at once; other keys are read one by one', () => {
    const reader = new TableProtobufAttributeReader();
    const ctx = new EvalContext(trace, reader, new CompiledAttributeKeys(['http.route', 'service.name'], reader));
    const serviceName = ctx.values('service.name');
    expect(resourceValues(serviceName)).toEqual([{ string: 'checkout' }, undefined]);
    expect(spanValues(serviceName)).toEqual([undefined, undefined, undefined]);
    expect(spanValues(ctx.values('http.route'))).toEqual([{ string: '/api/x' }, { string: '/web' }, undefined]);
    expect([reader.rowReads, reader.reads]).toEqual([5, 0]);
    expect(spanValues(ctx.values('vip'))).toEqual([{ bool: true }, undefined, undefined]);
    expect(resourceValues(ctx.values('vip'))).toEqual([undefined, undefined]);
    expect([reader.rowReads, reader.reads]).toEqual([5, 5]);
    expect(ctx.values('http.route')).toBe(ctx.values('http.route'));
  });

  test('a table read that throws is thrown to every policy that asks, and tried again each time', () => {
    let reads = 0;
    const failing: AttributeReader = {
      get: () => undefined,
      compileKeys: () => ({
        readRow: () => {
          reads++;
          throw new Error('corrupt attributes');
        },
      }),
    };
    const ctx = new EvalContext(trace, failing, new CompiledAttributeKeys(['a', 'b'], failing));
    expect(() => ctx.values('a')).toThrow('corrupt attributes');
    expect(() => ctx.values('b')).toThrow('corrupt attributes');
    expect(reads).toBe(2);
  });
});

describe('PolicyEngine with a compileKeys reader', () => {
  const file = loadPolicyFile(`
policies:
  - {name: checkout, type: string_attribute, key: service.name, values: [checkout]}
  - {name: by-route, type: string_attribute, key: http.route, values: ['^/api/'], enabled_regex_matching: true}
  - {name: server-errors, type: numeric_attribute, key: code, min_value: 500, max_value: 599}
  - {name: not-vip, type: boolean_attribute, key: vip, value: true, invert_match: true}
shadow_policies:
  - {name: vip, type: boolean_attribute, key: vip, value: true}
  - {name: flagged, type: string_attribute, key: flag, values: [x]}
`);
  const engineWith = (reader: AttributeReader) =>
    new PolicyEngine({ policies: file.policies, shadowPolicies: file.shadowPolicies, version: file.version, reader });

  test('compiles the keys of both sets once, reads each span and resource once per trace', () => {
    const reader = new TableProtobufAttributeReader();
    const engine = engineWith(reader);
    expect(reader.compiled).toEqual([['code', 'flag', 'http.route', 'service.name', 'vip']]);
    expect(engine.evaluate(trace)).toMatchObject({ sampled: false, policy: 'not-vip', matched: ['checkout', 'by-route', 'server-errors'] });
    expect(engine.evaluateShadow(trace)).toMatchObject({ sampled: true, policy: 'vip', matched: ['vip'] });
    expect([reader.rowReads, reader.reads]).toEqual([5, 0]);
  });

  test('decides as get-only and getMany readers do', () => {
    const traces = [
      trace,
      testTrace({ spans: [{ attrs: { code: 404n, vip: false } }], resources: [{ 'service.name': 'cart' }] }),
      testTrace({ spans: [{ attrs: { code: { double: 502.5 }, flag: 'x' } }, { attrs: { 'http.route': '' } }] }),
      testTrace({ spans: [{ attrs: { 'http.route': 7n, code: '503' } }], resources: [] }),
    ];
    const readers: AttributeReader[] = [
      new TableProtobufAttributeReader(),
      new BatchingProtobufAttributeReader(),
      new ProtobufAttributeReader(),
    ];
    const decisions = readers.map((reader) => {
      const engine = engineWith(reader);
      return traces.map((t) => [engine.evaluate(t), engine.evaluateShadow(t)]);
    });
    expect(decisions[0]).toEqual(decisions[2]);
    expect(decisions[1]).toEqual(decisions[2]);
  });

  test('a failing table read makes every attribute policy an evaluation error, as with getMany', () => {
    const failing = (withTable: boolean): AttributeReader => {
      const fail = (): never => {
        throw new Error('corrupt attributes');
      };
      return withTable ? { get: fail, compileKeys: () => ({ readRow: fail }) } : { get: fail, getMany: fail };
    };
    const outcomes = [true, false].map((withTable) => {
      const engine = engineWith(failing(withTable));
      const decision = engine.evaluate(trace);
      return { decision, errors: engine.evaluationErrors };
    });
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[0]!.errors).toBe(4);
    expect(outcomes[0]!.decision).toMatchObject({
      sampled: false,
      policy: '',
      errors: ['checkout', 'by-route', 'server-errors', 'not-vip'],
    });
  });
});

test('table columns are ranges of one dense table (every slot present, absent values undefined)', () => {
  const reader = new TableProtobufAttributeReader();
  const ctx = new EvalContext(trace, reader, new CompiledAttributeKeys(['vip', 'code'], reader));
  const code = ctx.values('code');
  const vip = ctx.values('vip');
  // 2 keys x (2 resources + 3 spans), key ordinal order: vip's rows first
  expect(code.values).toBe(vip.values);
  expect(Object.keys(code.values)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  expect([vip.from, vip.spansFrom, vip.to, code.from, code.spansFrom, code.to]).toEqual([0, 2, 5, 5, 7, 10]);
  expect(spanValues(code).map((v) => v === undefined)).toEqual([true, false, true]);
});

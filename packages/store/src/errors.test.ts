import { StoreError, toStoreError } from './errors';

class FakeClickHouseError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly type: string,
  ) {
    super(message);
  }
}
class FakeChdbError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly clickhouseCode?: number,
  ) {
    super(message);
  }
}
const errno = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:8123`), { code });

describe('toStoreError', () => {
  it.each<[string, unknown, string, boolean]>([
    ['server TOO_MANY_PARTS', new FakeClickHouseError('Too many parts', '252', 'TOO_MANY_PARTS'), 'TOO_MANY_PARTS', true],
    ['server syntax error', new FakeClickHouseError('Syntax error', '62', 'SYNTAX_ERROR'), 'SYNTAX_ERROR', false],
    ['server memory limit', new FakeClickHouseError('Memory limit', '241', 'MEMORY_LIMIT_EXCEEDED'), 'MEMORY_LIMIT_EXCEEDED', true],
    ['connection refused', errno('ECONNREFUSED'), 'NETWORK', true],
    ['connection reset', errno('ECONNRESET'), 'NETWORK', true],
    ['client timeout', new Error('Timeout error.'), 'TIMEOUT', true],
    ['socket hang up', new Error('socket hang up'), 'NETWORK', true],
    ['chdb type mismatch', new FakeChdbError('Code: 53. DB::Exception: Type mismatch', 'CHDB_QUERY', 53), 'TYPE_MISMATCH', false],
    [
      'chdb parse error without numeric field',
      new FakeChdbError('Code: 27. DB::Exception: Cannot parse input', 'CHDB_INSERT'),
      'CANNOT_PARSE_INPUT_ASSERTION_FAILED',
      false,
    ],
    ['chdb too many parts', new FakeChdbError('Code: 252. Too many parts', 'CHDB_QUERY', 252), 'TOO_MANY_PARTS', true],
    ['chdb timeout', new FakeChdbError('deadline', 'CHDB_TIMEOUT'), 'TIMEOUT', true],
    ['chdb closed', new FakeChdbError('No active connection', 'CHDB_CLOSED'), 'CLOSED', false],
    ['unknown code number', new FakeClickHouseError('odd', '12345', ''), 'CLICKHOUSE_12345', false],
    ['plain error', new Error('something else'), 'UNKNOWN', false],
    ['a thrown string', 'weird', 'UNKNOWN', false],
  ])('%s -> %s (retryable %s)', (_name, thrown, code, retryable) => {
    const e = toStoreError(thrown, { operation: 'insert', table: 'db.t' });
    expect(e).toBeInstanceOf(StoreError);
    expect(e.code).toBe(code);
    expect(e.retryable).toBe(retryable);
    expect(e.cause).toBe(thrown);
    expect(e.message).toMatch(/^insert db\.t: /);
  });

  it('keeps the numeric ClickHouse code and passes a StoreError through unchanged', () => {
    const e = toStoreError(new FakeClickHouseError('x', '252', 'TOO_MANY_PARTS'), { operation: 'insert' });
    expect(e.clickhouseCode).toBe(252);
    expect(toStoreError(e, { operation: 'other' })).toBe(e);
  });
});

import { parseGoDuration } from './duration';

describe('parseGoDuration', () => {
  test.each([
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['1.5s', 1_500],
    ['500ms', 500],
    ['2h', 7_200_000],
    ['250us', 0.25],
    ['0', 0],
    ['+5s', 5_000],
  ])('%s → %d ms', (text, ms) => {
    expect(parseGoDuration(text)).toBeCloseTo(ms, 9);
  });

  test.each(['', '30', 's', '-5s', '5 s', '5sec', '1m 30s'])('rejects %j', (text) => {
    expect(parseGoDuration(text)).toBeUndefined();
  });
});

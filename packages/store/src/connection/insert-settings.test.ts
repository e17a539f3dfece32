import { isEmptyBody } from './insert-settings';

describe('isEmptyBody', () => {
  it.each([
    ['', true],
    [' \n\t\r\n', true],
    ['{"a":1}\n', false],
    ['\n\n {"a":1}', false],
  ])('%j → %s (string and Buffer alike)', (body, empty) => {
    expect(isEmptyBody(body)).toBe(empty);
    expect(isEmptyBody(Buffer.from(body))).toBe(empty);
  });
});

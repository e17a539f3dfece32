import { splitStatements } from './split';

describe('splitStatements', () => {
  const cases: Array<[string, string, string[]]> = [
    ['one statement with final ;', 'CREATE TABLE a (x UInt8) ENGINE = Memory;', ['CREATE TABLE a (x UInt8) ENGINE = Memory']],
    ['missing final ;', 'SELECT 1', ['SELECT 1']],
    [
      'two statements over several lines',
      'CREATE TABLE a\n(x UInt8);\nCREATE VIEW v AS\nSELECT 1;\n',
      ['CREATE TABLE a\n(x UInt8)', 'CREATE VIEW v AS\nSELECT 1'],
    ],
    ['; with trailing blanks ends a statement', 'SELECT 1;   \nSELECT 2;\t\n', ['SELECT 1', 'SELECT 2']],
    ['; mid-line does not split', "SELECT 'a;b', 1\nFROM t;", ["SELECT 'a;b', 1\nFROM t"]],
    ['comment lines are dropped, even ending with ;', '-- first;\nSELECT 1;\n  -- indented;\nSELECT 2;', ['SELECT 1', 'SELECT 2']],
    ['blank and comment-only chunks are skipped', '\n\n-- only a comment\n;\n\nSELECT 1;\n\n', ['SELECT 1']],
    ['CRLF line ends', 'SELECT 1;\r\nSELECT 2;\r\n', ['SELECT 1', 'SELECT 2']],
    ['empty input', '', []],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    expect(splitStatements(input)).toEqual(expected);
  });
});

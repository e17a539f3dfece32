/** Joins row lines (as the row builders return them) into one JSONEachRow insert body. */
export function jsonEachRow(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

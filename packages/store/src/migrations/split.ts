/**
 * Splits a migration file into statements. The rule is deliberately simple, so a reviewer can
 * predict it from the file alone:
 * - a statement ends at a line whose last non-blank character is `;` (the `;` is dropped);
 * - lines whose first non-blank characters are `--` are comments and are dropped;
 * - a `;` anywhere else (mid-line, inside a string literal) is left alone;
 * - text after the last `;` that is not blank is a statement too (a missing final `;` is fine);
 * - blank statements are skipped.
 * So: never end a line with `;` inside a string literal, and put comments on their own lines.
 */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current: string[] = [];
  const flush = (): void => {
    const text = current.join('\n').trim();
    if (text.length > 0) statements.push(text);
    current = [];
  };
  for (const rawLine of sql.split(/\r?\n/)) {
    const trimmed = rawLine.trim();
    if (trimmed.startsWith('--')) continue;
    const line = rawLine.trimEnd();
    if (line.endsWith(';')) {
      current.push(line.slice(0, -1));
      flush();
    } else {
      current.push(line);
    }
  }
  flush();
  return statements;
}

/** Go (RE2) inline flags that have a JavaScript equivalent. */
const FLAG_MAP: Record<string, string> = { i: 'i', s: 's', m: 'm' };

/**
 * Compiles a regular expression written for Go's regexp package (what OTel configs contain)
 * as a JavaScript RegExp. Leading inline flags such as `(?i)` become RegExp flags; the rest of
 * the syntax is shared for the usual patterns. Throws SyntaxError when the pattern is invalid.
 * Note: JavaScript regexes backtrack, RE2 does not; avoid nested quantifiers on untrusted input.
 */
export function compileGoRegex(pattern: string): RegExp {
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  let flags = '';
  let body = pattern;
  if (lead) {
    const letters = lead[1] ?? '';
    for (const letter of letters) {
      const mapped = FLAG_MAP[letter];
      if (mapped === undefined) throw new SyntaxError(`Invalid regular expression: /${pattern}/: unsupported inline flag "${letter}"`);
      if (!flags.includes(mapped)) flags += mapped;
    }
    body = pattern.slice(lead[0].length);
  }
  return new RegExp(body, flags);
}

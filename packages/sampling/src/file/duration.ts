const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a Go duration string as the OpenTelemetry Collector accepts it (`30s`, `1m30s`,
 * `1.5s`, `500ms`, `0`) into milliseconds; undefined when it is not one (negative durations
 * are rejected too).
 */
export function parseGoDuration(text: string): number | undefined {
  const s = text.trim();
  if (s === '0') return 0;
  if (s === '' || s.startsWith('-')) return undefined;
  const body = s.startsWith('+') ? s.slice(1) : s;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < body.length) {
    part.lastIndex = at;
    const m = part.exec(body);
    if (!m) return undefined;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    at = part.lastIndex;
  }
  return at === 0 ? undefined : total;
}

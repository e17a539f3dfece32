/** Sums the samples of a metric in Prometheus text format, optionally only those whose labels include `match`. */
export function sumMetric(text: string, name: string, match: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    if (!Object.entries(match).every(([k, v]) => rest.includes(`${k}="${v}"`))) continue;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

/** Fetches /metrics of an ops server; empty text when it does not answer. */
export async function scrape(opsUrl: string): Promise<string> {
  try {
    const res = await fetch(`${opsUrl}/metrics`);
    return res.ok ? await res.text() : '';
  } catch {
    return '';
  }
}

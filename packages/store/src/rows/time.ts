/**
 * A nanosecond timestamp as the text ClickHouse parses into DateTime64(9) exactly, independent of
 * the server or session time zone: Unix seconds zero-padded to at least 10 digits, a dot, and 9
 * digits of nanoseconds (`1704067200.123456789`). ClickHouse reads a 10+-digit number with a
 * fraction as a Unix timestamp; shorter ones would be taken for dates, hence the padding.
 * Negative values clamp to the epoch.
 */
export function dateTime64Nanos(unixNano: bigint): string {
  if (unixNano <= 0n) return '0000000000.000000000';
  const digits = unixNano.toString();
  if (digits.length <= 9) return `0000000000.${digits.padStart(9, '0')}`;
  return `${digits.slice(0, -9).padStart(10, '0')}.${digits.slice(-9)}`;
}

/** Whole Unix seconds as the text ClickHouse parses into DateTime, time-zone independent. */
export function dateTimeSeconds(unixSeconds: number): string {
  const s = Math.max(0, Math.floor(unixSeconds));
  return String(s).padStart(10, '0');
}

import { joinTimeHalves, readSpanTimes, timeHalvesBefore, type SpanRecord, type SpanTimes } from './span';

// Trace assembly orders span times by their 32-bit halves instead of bigints: the halves must
// round-trip and order exactly as the signed 64-bit values do.
const VALUES = [0n, 1n, -1n, 2n ** 31n, 2n ** 32n - 1n, 2n ** 32n, 1_764_100_000_123_456_789n, 1_764_100_000_123_456_790n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 32n), 4_294_967_295n * 3n];

function halvesOf(start: bigint, end: bigint): SpanTimes {
  const out: SpanTimes = { startHi: 0, startLo: 0, endHi: 0, endLo: 0 };
  readSpanTimes({ startTimeUnixNano: start, endTimeUnixNano: end } as SpanRecord, out);
  return out;
}

describe('span time halves', () => {
  it('round-trip every signed 64-bit boundary', () => {
    for (const v of VALUES) {
      const t = halvesOf(v, -v);
      expect([joinTimeHalves(t.startHi, t.startLo), joinTimeHalves(t.endHi, t.endLo)]).toEqual([v, BigInt.asIntN(64, -v)]);
      expect(t.startLo >= 0 && t.startLo < 2 ** 32 && Number.isInteger(t.startHi)).toBe(true);
    }
  });

  it('order as the values do', () => {
    for (const a of VALUES) {
      for (const b of VALUES) {
        const x = halvesOf(a, a);
        const y = halvesOf(b, b);
        expect(timeHalvesBefore(x.startHi, x.startLo, y.startHi, y.startLo)).toBe(a < b);
      }
    }
  });

  it('uses a span’s own readTimes() when it has one', () => {
    const span = {
      startTimeUnixNano: 5n,
      endTimeUnixNano: 6n,
      readTimes(out: SpanTimes) {
        Object.assign(out, { startHi: 1, startLo: 2, endHi: 3, endLo: 4 });
      },
    } as unknown as SpanRecord;
    const out: SpanTimes = { startHi: 0, startLo: 0, endHi: 0, endLo: 0 };
    readSpanTimes(span, out);
    expect(out).toEqual({ startHi: 1, startLo: 2, endHi: 3, endLo: 4 });
  });
});

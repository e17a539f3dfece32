/** Time source and sleeping for the senders (injectable in tests). */
export interface Timer {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Resolves after `ms`, or early when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock (performance.now) and setTimeout. */
export const realTimer: Timer = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || signal?.aborted) return resolve();
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * Spans-per-second limiter (a token bucket kept as a "theoretical arrival time"): a caller taking
 * n tokens waits until the sustained rate allows them, with bursts up to `burstMs` worth of tokens.
 * Reservations are made synchronously, so concurrent callers are spaced correctly.
 */
export class RateLimiter {
  private tat: number;

  constructor(
    private readonly perSecond: number,
    private readonly timer: Timer = realTimer,
    private readonly burstMs = 100,
  ) {
    if (!(perSecond > 0)) throw new RangeError(`rate must be > 0, got ${perSecond}`);
    this.tat = timer.now();
  }

  /** Waits until `n` more units fit the rate. */
  async take(n: number, signal?: AbortSignal): Promise<void> {
    const now = this.timer.now();
    if (this.tat < now) this.tat = now;
    const wait = this.tat - now - this.burstMs;
    this.tat += (n * 1000) / this.perSecond;
    if (wait > 0) await this.timer.sleep(wait, signal);
  }
}

/** Decision timing and per-trace limits of a TraceBuffer. All durations are in buffer-clock ms. */
export interface TraceBufferConfig {
  /** Decide a trace this long after its first span arrived (OTel `decision_wait`). */
  decisionWaitMs: number;
  /**
   * Decide earlier once the root span has arrived and no new span arrived for this long
   * (OTel `decision_wait_after_root_received`). 0 disables the early decision.
   */
  decisionWaitAfterRootMs: number;
  /** Decide a trace immediately when it holds this many spans. */
  maxSpansPerTrace: number;
  /** Decide a trace immediately when its size estimate reaches this many bytes. */
  maxBytesPerTrace: number;
  /** Fixed bytes added to each span's buffer lengths in the size estimate. */
  spanOverheadBytes: number;
  /**
   * Spans read in place from a shared buffer (a decompressed record batch, a fetch response) are
   * copied into buffers of their own once their trace has read that buffer this long; until then
   * the memory budget counts the whole shared buffer. 0 copies them on arrival.
   */
  detachAfterMs: number;
}

/** Defaults: OTel's 30 s decision wait, a 5 s quiet period after the root, generous per-trace caps. */
export const DEFAULT_TRACE_BUFFER_CONFIG: Readonly<TraceBufferConfig> = Object.freeze({
  decisionWaitMs: 30_000,
  decisionWaitAfterRootMs: 5_000,
  maxSpansPerTrace: 10_000,
  maxBytesPerTrace: 16 * 1024 * 1024,
  spanOverheadBytes: 128,
  detachAfterMs: 6_000,
});

/** Fills defaults and rejects values that would make the buffer misbehave. */
export function resolveTraceBufferConfig(partial: Partial<TraceBufferConfig> = {}): TraceBufferConfig {
  const config: TraceBufferConfig = { ...DEFAULT_TRACE_BUFFER_CONFIG };
  for (const [key, value] of Object.entries(partial) as [keyof TraceBufferConfig, number | undefined][]) {
    if (value !== undefined) config[key] = value;
  }
  requireNonNegative('decisionWaitMs', config.decisionWaitMs);
  requireNonNegative('decisionWaitAfterRootMs', config.decisionWaitAfterRootMs);
  requirePositive('maxSpansPerTrace', config.maxSpansPerTrace);
  requirePositive('maxBytesPerTrace', config.maxBytesPerTrace);
  requireNonNegative('spanOverheadBytes', config.spanOverheadBytes);
  requireNonNegative('detachAfterMs', config.detachAfterMs);
  return config;
}

function requireNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`TraceBuffer config ${name} must be a finite number >= 0, got ${value}`);
  }
}

function requirePositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`TraceBuffer config ${name} must be a finite number > 0, got ${value}`);
  }
}

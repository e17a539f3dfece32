/** Counters a sender reports while it runs and when it ends. */
export interface SendProgress {
  /** Requests finished, whatever the outcome. */
  requests: number;
  /** Requests acknowledged (2xx / produced). */
  requestsAccepted: number;
  /** Requests the receiver refused for good (non-retryable status). */
  requestsRejected: number;
  /** Requests never acknowledged (retries exhausted, network errors). */
  requestsFailed: number;
  /** Spans in finished requests. */
  spans: number;
  /** Spans acknowledged (request spans minus partial_success.rejected_spans). */
  spansAccepted: number;
  /** Spans refused: partial_success.rejected_spans plus spans of rejected requests. */
  spansRejected: number;
  /** Spans of failed requests. */
  spansFailed: number;
  /** Retries made (each re-send counts once). */
  retries: number;
  /** Body bytes sent, retries included (after compression). */
  bytes: number;
  /** Since the sender started. */
  elapsedMs: number;
  /** Outcomes seen: HTTP status codes, e.g. { "200": 95, "503": 5 }, `error` for network or Kafka errors, `acked` for Kafka sends. */
  statuses: Record<string, number>;
  /** The last problem seen, for display. */
  lastError?: string;
}

/** Mutable counters behind SendProgress. */
export class ProgressCounter {
  private readonly p: SendProgress = {
    requests: 0,
    requestsAccepted: 0,
    requestsRejected: 0,
    requestsFailed: 0,
    spans: 0,
    spansAccepted: 0,
    spansRejected: 0,
    spansFailed: 0,
    retries: 0,
    bytes: 0,
    elapsedMs: 0,
    statuses: {},
  };

  constructor(private readonly startedAt: number) {}

  status(code: number | string): void {
    const k = String(code);
    this.p.statuses[k] = (this.p.statuses[k] ?? 0) + 1;
  }

  sent(bytes: number, isRetry: boolean): void {
    this.p.bytes += bytes;
    if (isRetry) this.p.retries++;
  }

  accepted(spans: number, rejectedSpans: number, message: string): void {
    const rejected = Math.min(spans, Math.max(0, rejectedSpans));
    this.p.requests++;
    this.p.requestsAccepted++;
    this.p.spans += spans;
    this.p.spansAccepted += spans - rejected;
    this.p.spansRejected += rejected;
    if (rejected > 0) this.p.lastError = `partial success: ${rejected} span(s) rejected${message ? `: ${message}` : ''}`;
  }

  rejected(spans: number, reason: string): void {
    this.p.requests++;
    this.p.requestsRejected++;
    this.p.spans += spans;
    this.p.spansRejected += spans;
    this.p.lastError = reason;
  }

  failed(spans: number, reason: string): void {
    this.p.requests++;
    this.p.requestsFailed++;
    this.p.spans += spans;
    this.p.spansFailed += spans;
    this.p.lastError = reason;
  }

  note(reason: string): void {
    this.p.lastError = reason;
  }

  /** A copy of the counters at `now`. */
  snapshot(now: number): SendProgress {
    return { ...this.p, statuses: { ...this.p.statuses }, elapsedMs: now - this.startedAt };
  }
}

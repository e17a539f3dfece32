import type { LoadRequest } from './generator';
import { realTimer, type Timer } from './timing';

/** Anything that hands out requests one by one: a TrafficGenerator, or an adapter. */
export interface RequestSource {
  /** The next request, or undefined when there is none left. */
  nextRequest(): LoadRequest | undefined | Promise<LoadRequest | undefined>;
  /** Asked once the limits are reached: produce nothing new, but still return what is held back. */
  stop?(): void;
}

/** Where a sender takes its requests from. */
export type RequestInput = RequestSource | Iterable<LoadRequest> | AsyncIterable<LoadRequest>;

/** When a sender stops taking new requests (whichever comes first; the source ending also stops it). */
export interface SendLimits {
  /** Requests to take from the source. */
  maxRequests?: number;
  /** Spans to take from the source (the request crossing the limit is still sent). */
  maxSpans?: number;
  /** Stop taking new requests after this long. */
  durationMs?: number;
  /** Stop now: held-back requests are flushed without waiting for their delay. */
  signal?: AbortSignal;
}

/** Adapts any RequestInput to a RequestSource. */
export function toRequestSource(input: RequestInput): RequestSource {
  if (typeof (input as RequestSource).nextRequest === 'function') return input as RequestSource;
  if (Symbol.asyncIterator in (input as object)) {
    const it = (input as AsyncIterable<LoadRequest>)[Symbol.asyncIterator]();
    let stopped = false;
    return {
      nextRequest: async () => (stopped ? undefined : ((await it.next()).value as LoadRequest | undefined)),
      stop: () => {
        stopped = true;
        void it.return?.();
      },
    };
  }
  const it = (input as Iterable<LoadRequest>)[Symbol.iterator]();
  let stopped = false;
  return {
    nextRequest: () => (stopped ? undefined : (it.next().value as LoadRequest | undefined)),
    stop: () => {
      stopped = true;
    },
  };
}

/** Number of spans in a request. */
export function requestSpanCount(request: LoadRequest): number {
  let n = 0;
  for (const b of request.batches) n += b.spans.length;
  return n;
}

interface Delayed {
  dueAt: number;
  request: LoadRequest;
}

/**
 * Hands requests to concurrent workers: applies the limits (then asks the source to stop and
 * drains what it still holds), and holds requests with `sendAfterMs` until they are due while
 * the following ones go ahead.
 */
export class RequestPump {
  private readonly source: RequestSource;
  private readonly delayed: Delayed[] = [];
  private readonly startedAt: number;
  private taken = 0;
  private spansTaken = 0;
  private sourceDone = false;
  private stopRequested = false;
  private pulling: Promise<void> = Promise.resolve();

  constructor(
    input: RequestInput,
    private readonly limits: SendLimits = {},
    private readonly timer: Timer = realTimer,
  ) {
    this.source = toRequestSource(input);
    this.startedAt = timer.now();
  }

  /** The next request to send, or undefined when everything was handed out. Safe to call concurrently. */
  async next(): Promise<LoadRequest | undefined> {
    for (;;) {
      const due = this.takeDue();
      if (due) return due;
      if (!this.sourceDone) {
        const pulled = await this.pull();
        if (pulled === 'retry') continue;
        if (pulled) return pulled;
        continue;
      }
      if (this.delayed.length === 0) return undefined;
      const wait = Math.min(...this.delayed.map((d) => d.dueAt)) - this.timer.now();
      if (wait > 0 && !this.limits.signal?.aborted) await this.timer.sleep(wait, this.limits.signal);
    }
  }

  /** Pulls one request from the source (serialized: sources are not re-entrant). */
  private async pull(): Promise<LoadRequest | undefined | 'retry'> {
    const previous = this.pulling;
    let release!: () => void;
    this.pulling = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      if (this.sourceDone) return 'retry';
      this.checkLimits();
      const request = await this.source.nextRequest();
      if (request === undefined) {
        this.sourceDone = true;
        return 'retry';
      }
      if (!this.stopRequested) {
        this.taken++;
        this.spansTaken += requestSpanCount(request);
      }
      const delay = request.sendAfterMs ?? 0;
      if (delay > 0 && !this.limits.signal?.aborted) {
        this.delayed.push({ dueAt: this.timer.now() + delay, request });
        return 'retry';
      }
      return request;
    } finally {
      release();
    }
  }

  private checkLimits(): void {
    if (this.stopRequested) return;
    const l = this.limits;
    const reached =
      (l.maxRequests !== undefined && this.taken >= l.maxRequests) ||
      (l.maxSpans !== undefined && this.spansTaken >= l.maxSpans) ||
      (l.durationMs !== undefined && this.timer.now() - this.startedAt >= l.durationMs) ||
      l.signal?.aborted === true;
    if (!reached) return;
    this.stopRequested = true;
    if (this.source.stop) this.source.stop();
    else this.sourceDone = true;
  }

  private takeDue(): LoadRequest | undefined {
    if (this.delayed.length === 0) return undefined;
    const now = this.timer.now();
    const flushAll = this.limits.signal?.aborted === true;
    let best = -1;
    for (let i = 0; i < this.delayed.length; i++) {
      const d = this.delayed[i]!;
      if ((flushAll || d.dueAt <= now) && (best < 0 || d.dueAt < this.delayed[best]!.dueAt)) best = i;
    }
    if (best < 0) return undefined;
    return this.delayed.splice(best, 1)[0]!.request;
  }
}

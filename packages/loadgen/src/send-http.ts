import * as http from 'http';
import * as https from 'https';
import { promisify } from 'util';
import { gzip as gzipCallback } from 'zlib';
import { encodeOtlpBody, OTLP_CONTENT_TYPES, type OtlpBodyEncoding } from './encoding';
import { parseExportResponse } from './partial-success';
import { RequestPump, requestSpanCount, type RequestInput, type SendLimits } from './pump';
import { ProgressCounter, type SendProgress } from './send-progress';
import { RateLimiter, realTimer, type Timer } from './timing';

const gzip = promisify(gzipCallback);

export interface SendOtlpHttpOptions extends SendLimits {
  /** Full endpoint URL, e.g. `http://127.0.0.1:4318/v1/traces`. */
  url: string;
  /** Requests to send: a TrafficGenerator, an array or any (async) iterable of LoadRequest. */
  source: RequestInput;
  /** Body encoding (default `protobuf`). */
  encoding?: OtlpBodyEncoding;
  /** Compress bodies with gzip (`Content-Encoding: gzip`). */
  gzip?: boolean;
  /** Sustained spans per second (token bucket). Omitted → as fast as possible. */
  ratePerSec?: number;
  /** Ignore ratePerSec and send as fast as the receiver answers. */
  asFastAsPossible?: boolean;
  /** Requests in flight at once (default 4). */
  concurrency?: number;
  /** Extra request headers (e.g. `authorization`). */
  headers?: Record<string, string>;
  /** Re-sends of one request after 429/502/503/504 or a network error (default 5). */
  maxRetries?: number;
  /** Longest wait before a retry, whatever Retry-After says (default 30 000 ms). */
  maxRetryDelayMs?: number;
  /** First backoff when the response carries no Retry-After, doubled per retry (default 100 ms). */
  retryBackoffMs?: number;
  /** Per-attempt timeout (default 30 000 ms). */
  requestTimeoutMs?: number;
  /** Called after each finished request with the counters so far. */
  onProgress?: (progress: SendProgress) => void;
  timer?: Timer;
}

/** Statuses OTLP/HTTP clients retry (with Retry-After when given). */
const RETRYABLE = new Set([429, 502, 503, 504]);

interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/**
 * Sends OTLP/HTTP export requests until the source ends or a limit is reached, with keep-alive
 * connections, optional gzip, a spans/s rate limit, bounded retries on 429/502/503/504 and network
 * errors (honouring Retry-After), and counts of accepted and rejected spans from the responses
 * (partial_success). Resolves with the final counters; never rejects for HTTP-level failures.
 */
export async function sendOtlpHttp(options: SendOtlpHttpOptions): Promise<SendProgress> {
  const timer = options.timer ?? realTimer;
  const url = new URL(options.url);
  const encoding = options.encoding ?? 'protobuf';
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const maxRetries = options.maxRetries ?? 5;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 30_000;
  const backoffMs = options.retryBackoffMs ?? 100;
  const timeoutMs = options.requestTimeoutMs ?? 30_000;
  const limiter = options.ratePerSec !== undefined && !options.asFastAsPossible ? new RateLimiter(options.ratePerSec, timer) : undefined;
  const isHttps = url.protocol === 'https:';
  const agent = isHttps
    ? new https.Agent({ keepAlive: true, maxSockets: concurrency })
    : new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const pump = new RequestPump(options.source, options, timer);
  const counter = new ProgressCounter(timer.now());
  const baseHeaders: Record<string, string> = { ...options.headers, 'content-type': OTLP_CONTENT_TYPES[encoding] };
  if (options.gzip) baseHeaders['content-encoding'] = 'gzip';

  const post = (body: Buffer): Promise<HttpResponse> =>
    new Promise((resolve, reject) => {
      const req = (isHttps ? https : http).request(
        url,
        { method: 'POST', agent, headers: { ...baseHeaders, 'content-length': String(body.length) }, timeout: timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`request timed out after ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });

  const sendOne = async (spans: number, body: Buffer): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      counter.sent(body.length, attempt > 0);
      let waitMs: number;
      let reason: string;
      try {
        const res = await post(body);
        counter.status(res.status);
        if (res.status >= 200 && res.status < 300) {
          const outcome = parseExportResponse(res.body, String(res.headers['content-type'] ?? ''));
          counter.accepted(spans, outcome.rejectedSpans, outcome.errorMessage);
          return;
        }
        reason = `HTTP ${res.status}${res.body.length > 0 ? `: ${res.body.toString('utf8', 0, Math.min(res.body.length, 200))}` : ''}`;
        if (!RETRYABLE.has(res.status)) {
          counter.rejected(spans, reason);
          return;
        }
        waitMs = retryAfterMs(res.headers['retry-after']) ?? backoffMs * 2 ** attempt;
      } catch (err) {
        counter.status('error');
        reason = `network error: ${(err as Error).message}`;
        waitMs = backoffMs * 2 ** attempt;
      }
      if (attempt >= maxRetries || options.signal?.aborted) {
        counter.failed(spans, `${reason} (gave up after ${attempt + 1} attempt(s))`);
        return;
      }
      counter.note(reason);
      await timer.sleep(Math.min(waitMs, maxRetryDelayMs), options.signal);
      if (options.signal?.aborted) {
        counter.failed(spans, `${reason} (aborted while waiting to retry)`);
        return;
      }
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      const request = await pump.next();
      if (!request) return;
      const spans = requestSpanCount(request);
      let body = encodeOtlpBody(request.batches, encoding);
      if (options.gzip) body = await gzip(body);
      await sendOne(spans, body);
      options.onProgress?.(counter.snapshot(timer.now()));
      // Pay for the spans after sending them: a request leaves as soon as it is generated, so its
      // timestamps stay close to the send time; the wait falls between requests instead.
      if (limiter) await limiter.take(spans, options.signal);
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
  } finally {
    agent.destroy();
  }
  return counter.snapshot(timer.now());
}

/** Retry-After as ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfterMs(header: string | string[] | undefined, nowEpochMs = Date.now()): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowEpochMs);
}

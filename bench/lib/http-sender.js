'use strict';
/**
 * Sends pre-encoded OTLP/HTTP protobuf bodies as fast as the receiver answers: keep-alive
 * connections, `concurrency` requests in flight, each body re-timed just before it leaves so its
 * latest span ends "now". 429/503 are retried after min(Retry-After, 250 ms) and counted: a
 * bench wants to see back-pressure, not sleep through it.
 */
const http = require('http');

const NS_PER_MS = 1_000_000n;

/**
 * @param {object} o
 * @param {string} o.url                     e.g. http://127.0.0.1:4318/v1/traces
 * @param {import('./otlp-times').RetimableBody[]} o.requests
 * @param {number} [o.concurrency]           requests in flight (default 8)
 * @param {boolean} [o.retime]               move each body to end now before sending (default true)
 * @param {(sent: {index: number, sentAtMs: number}) => void} [o.onSent]
 * @param {(p: object) => void} [o.onProgress] called after each answered request
 */
async function sendRequests({ url, requests, concurrency = 8, retime = true, onSent, onProgress }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const stats = { requests: 0, spansAcked: 0, statuses: {}, networkErrors: {}, retries: 0, failed: 0, firstSendMs: 0, lastAckMs: 0 };
  let next = 0;

  const post = (body) =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode, retryAfter: res.headers['retry-after'], body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const lane = async () => {
    while (next < requests.length) {
      const index = next++;
      const r = requests[index];
      for (let attempt = 0; ; attempt++) {
        const now = Date.now();
        if (retime) r.retimeToEndAt(BigInt(now) * NS_PER_MS);
        if (stats.firstSendMs === 0) stats.firstSendMs = now;
        onSent?.({ index, sentAtMs: now });
        let res;
        try {
          res = await post(r.body);
        } catch (error) {
          res = { status: 'error', error };
        }
        stats.statuses[res.status] = (stats.statuses[res.status] ?? 0) + 1;
        if (res.error) stats.networkErrors[res.error.message] = (stats.networkErrors[res.error.message] ?? 0) + 1;
        if (res.status === 200) {
          stats.requests++;
          stats.spansAcked += r.spans;
          stats.lastAckMs = Date.now();
          break;
        }
        if ((res.status === 429 || res.status === 503 || res.status === 'error') && attempt < 50) {
          stats.retries++;
          const hinted = Number(res.retryAfter) * 1000;
          await new Promise((ok) => setTimeout(ok, Math.min(Number.isFinite(hinted) ? hinted : 250, 250)));
          continue;
        }
        stats.failed++;
        throw new Error(
          `ingest answered ${res.status} to request ${index}: ${res.body ? res.body.toString('utf8', 0, 200) : res.error?.message}`,
        );
      }
      onProgress?.(stats);
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, lane));
  } finally {
    agent.destroy();
  }
  return stats;
}

module.exports = { sendRequests };

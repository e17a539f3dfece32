'use strict';
/**
 * The OTLP/gRPC counterpart of http-sender.js: sends pre-encoded ExportTraceServiceRequest bodies
 * to `TraceService/Export` over one HTTP/2 connection, `concurrency` calls in flight, each body
 * re-timed just before it leaves. RESOURCE_EXHAUSTED/UNAVAILABLE are retried after
 * min(pushback, 250 ms) and counted. Statuses are counted by gRPC code name.
 */
const grpc = require('@grpc/grpc-js');

const NS_PER_MS = 1_000_000n;
const EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
const RETRYABLE = new Set([grpc.status.RESOURCE_EXHAUSTED, grpc.status.UNAVAILABLE]);
const identity = (b) => b;

/**
 * @param {object} o
 * @param {string} o.address                 host:port, e.g. 127.0.0.1:4317
 * @param {import('./otlp-times').RetimableBody[]} o.requests
 * @param {number} [o.concurrency]           calls in flight (default 8)
 */
async function sendGrpcRequests({ address, requests, concurrency = 8 }) {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': 64 << 20,
    'grpc.max_receive_message_length': 64 << 20,
  });
  const stats = { requests: 0, spansAcked: 0, statuses: {}, networkErrors: {}, retries: 0, failed: 0 };
  let next = 0;

  const call = (body) =>
    new Promise((resolve) => {
      client.makeUnaryRequest(EXPORT_PATH, identity, identity, body, new grpc.Metadata(), (error, response) => {
        resolve(error ? { code: error.code ?? grpc.status.UNKNOWN, details: error.details, metadata: error.metadata } : { code: grpc.status.OK, response });
      });
    });

  const lane = async () => {
    while (next < requests.length) {
      const index = next++;
      const r = requests[index];
      for (let attempt = 0; ; attempt++) {
        r.retimeToEndAt(BigInt(Date.now()) * NS_PER_MS);
        const res = await call(r.body);
        const name = grpc.status[res.code] ?? String(res.code);
        stats.statuses[name] = (stats.statuses[name] ?? 0) + 1;
        if (res.code === grpc.status.OK) {
          stats.requests++;
          stats.spansAcked += r.spans;
          break;
        }
        if (RETRYABLE.has(res.code) && attempt < 50) {
          stats.retries++;
          const hinted = Number(res.metadata?.get('grpc-retry-pushback-ms')?.[0]);
          await new Promise((ok) => setTimeout(ok, Math.min(Number.isFinite(hinted) ? hinted : 250, 250)));
          continue;
        }
        stats.failed++;
        throw new Error(`ingest answered ${name} to gRPC request ${index}: ${res.details ?? ''}`);
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, lane));
  } finally {
    client.close();
  }
  return stats;
}

module.exports = { sendGrpcRequests };

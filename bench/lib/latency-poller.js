'use strict';
/**
 * End-to-end latency of kept traces, from span end to row in ClickHouse: polls the aggregator's
 * /query endpoint every `intervalMs` for trace IDs newly present in otel_traces and records, for
 * each, (time the poll was issued − the trace's latest span end as stored). Resolution: the poll
 * interval. Only parts written since the last poll are read (the part name's max block number
 * grows with every insert, merged parts included), so each poll stays cheap.
 */

class LatencyPoller {
  /** @param {{ opsUrl: string, database: string, intervalMs?: number }} o */
  constructor({ opsUrl, database, intervalMs = 250 }) {
    this.opsUrl = opsUrl;
    this.database = database;
    this.intervalMs = intervalMs;
    /** trace ID (hex) → { endMs: latest span end, seenAtMs: poll that first saw it } */
    this.latencies = new Map();
    this.lastBlock = 0;
    this.polls = 0;
    this.errors = 0;
    this.running = false;
  }

  start() {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const t0 = Date.now();
        await this.pollOnce();
        await new Promise((r) => setTimeout(r, Math.max(0, this.intervalMs - (Date.now() - t0))));
      }
    })();
  }

  async stop() {
    this.running = false;
    await this.loop;
    await this.pollOnce();
  }

  async pollOnce() {
    const block = "toUInt64(splitByChar('_', _part)[3])";
    // Two blocks of slack: an insert that took its block number earlier may commit later.
    const sql = `SELECT TraceId AS t, toString(max(toUnixTimestamp64Nano(Timestamp) + Duration)) AS e, max(${block}) AS b FROM ${this.database}.otel_traces WHERE ${block} > ${Math.max(0, this.lastBlock - 2)} GROUP BY TraceId`;
    const issuedAt = Date.now();
    this.polls++;
    try {
      const res = await fetch(`${this.opsUrl}/query?sql=${encodeURIComponent(sql)}`);
      const body = await res.json();
      if (!res.ok) throw new Error(body.error);
      for (const row of body.rows) {
        const b = Number(row.b);
        if (b > this.lastBlock) this.lastBlock = b;
        if (this.latencies.has(row.t)) continue;
        const endMs = Number(BigInt(row.e) / 1_000_000n);
        this.latencies.set(row.t, { endMs, seenAtMs: issuedAt });
      }
    } catch (error) {
      this.errors++;
      this.lastError = error.message;
    }
  }

  /** p50/p90/p99/max of span end → row latencies, in ms. */
  summary() {
    const latencies = [...this.latencies.values()].map((l) => l.seenAtMs - l.endMs);
    return { ...quantiles(latencies), polls: this.polls, pollErrors: this.errors, lastError: this.lastError };
  }
}

/** Count and p50/p90/p99/max (ms) of a list of durations. */
function quantiles(values) {
  const xs = [...values].sort((a, b) => a - b);
  const q = (p) => (xs.length === 0 ? undefined : xs[Math.min(xs.length - 1, Math.floor(p * xs.length))]);
  return { traces: xs.length, p50Ms: q(0.5), p90Ms: q(0.9), p99Ms: q(0.99), maxMs: xs[xs.length - 1] };
}

module.exports = { LatencyPoller, quantiles };

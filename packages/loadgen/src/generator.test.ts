import { serviceOf, SpanKind, StatusCode, toHex, type SpanBatch, type SpanRecord } from '@tailstream/model';
import { decodeEvent, decodeKeyValueList, decodeLink, decodeOtlpTraces, type AnyValue } from '@tailstream/otlp';
import { encodeOtlpJson, encodeOtlpProtobuf } from './encoding';
import { DEFAULT_START_TIME_UNIX_NANO, TrafficGenerator, type LoadRequest, type LoadgenOptions } from './generator';
import { groundTruthFromBatches } from './ground-truth';

interface Located {
  request: number;
  traceId: string;
  service: string;
  span: SpanRecord;
  batch: SpanBatch;
}

function generate(options: LoadgenOptions): { requests: LoadRequest[]; generator: TrafficGenerator } {
  const generator = new TrafficGenerator(options);
  const requests = [...generator];
  return { requests, generator };
}

function locate(requests: LoadRequest[]): Located[] {
  const out: Located[] = [];
  requests.forEach((r, request) => {
    for (const batch of r.batches)
      for (const span of batch.spans) out.push({ request, traceId: toHex(batch.traceId), service: serviceOf(batch, span), span, batch });
  });
  return out;
}

function byTrace(spans: Located[]): Map<string, Located[]> {
  const m = new Map<string, Located[]>();
  for (const s of spans) {
    const list = m.get(s.traceId);
    if (list) list.push(s);
    else m.set(s.traceId, [s]);
  }
  return m;
}

function attrs(buf: Buffer): Map<string, AnyValue> {
  return new Map(decodeKeyValueList(buf).map((kv) => [kv.key, kv.value]));
}

function allBatches(requests: LoadRequest[]): SpanBatch[] {
  return requests.flatMap((r) => r.batches);
}

describe('determinism', () => {
  const bytesOf = (seed: number): Buffer[] =>
    generate({ seed, traces: 300, lateRate: 0.05, splitRate: 0.1 }).requests.map((r) => encodeOtlpProtobuf(r.batches));

  test('the same seed produces byte-identical OTLP requests and the same ground truth', () => {
    const a = bytesOf(42);
    const b = bytesOf(42);
    expect(a.length).toBeGreaterThan(5);
    expect(b.length).toBe(a.length);
    a.forEach((buf, i) => expect(buf.equals(b[i]!)).toBe(true));
    expect(generate({ seed: 42, traces: 300 }).generator.truth()).toEqual(generate({ seed: 42, traces: 300 }).generator.truth());
  });

  test('another seed produces other traffic', () => {
    const a = Buffer.concat(bytesOf(42));
    const b = Buffer.concat(bytesOf(43));
    expect(a.equals(b)).toBe(false);
    const idsA = new Set(
      generate({ seed: 42, traces: 50 })
        .generator.truth()
        .traces!.map((t) => t.traceId),
    );
    const idsB = generate({ seed: 43, traces: 50 })
      .generator.truth()
      .traces!.map((t) => t.traceId);
    expect(idsB.some((id) => idsA.has(id))).toBe(false);
  });
});

describe('default topology traffic', () => {
  const { requests, generator } = generate({ seed: 7, traces: 800, lateRate: 0, splitRate: 0 });
  const spans = locate(requests);
  const traces = byTrace(spans);
  const bySpanId = new Map(spans.map((s) => [`${s.traceId}/${toHex(s.span.spanId)}`, s]));
  const parentOf = (s: Located): Located | undefined =>
    s.span.parentSpanId.length === 0 ? undefined : bySpanId.get(`${s.traceId}/${toHex(s.span.parentSpanId)}`);

  test('generates the requested number of traces, each with exactly one root: a gateway SERVER span', () => {
    expect(traces.size).toBe(800);
    for (const list of traces.values()) {
      const roots = list.filter((s) => s.span.parentSpanId.length === 0);
      expect(roots).toHaveLength(1);
      expect(roots[0]!.service).toBe('gateway');
      expect(roots[0]!.span.kind).toBe(SpanKind.Server);
    }
  });

  test('every parent exists in the same trace, and span IDs are unique', () => {
    const orphans = spans.filter((s) => s.span.parentSpanId.length > 0 && !parentOf(s));
    expect(orphans).toHaveLength(0);
    expect(bySpanId.size).toBe(spans.length);
  });

  test('remote calls are CLIENT/SERVER pairs: the server span is the child of a same-named client span in the calling service', () => {
    const servers = spans.filter((s) => s.span.kind === SpanKind.Server && s.span.parentSpanId.length > 0);
    const bad = servers.filter((s) => {
      const client = parentOf(s)!;
      return client.span.kind !== SpanKind.Client || client.span.name !== s.span.name || client.service === s.service;
    });
    expect(bad).toHaveLength(0);
    expect(servers.length).toBeGreaterThan(1000);
    // A CLIENT span has at most one child (its server), none for database/cache calls.
    const children = new Map<Located, number>();
    for (const s of spans) {
      const p = parentOf(s);
      if (p && p.span.kind === SpanKind.Client) children.set(p, (children.get(p) ?? 0) + 1);
    }
    expect([...children.values()].filter((n) => n !== 1)).toHaveLength(0);
  });

  test('CONSUMER spans are children of PRODUCER spans and start after them; links point to earlier traces', () => {
    const consumers = spans.filter((s) => s.span.kind === SpanKind.Consumer);
    expect(consumers.length).toBeGreaterThan(20);
    const traceOrder = [...traces.keys()];
    let links = 0;
    for (const c of consumers) {
      const producer = parentOf(c)!;
      expect(producer.span.kind).toBe(SpanKind.Producer);
      expect(c.span.startTimeUnixNano).toBeGreaterThanOrEqual(producer.span.endTimeUnixNano);
      const destination = attrs(c.span.attributes).get('messaging.destination.name');
      expect(producer.span.name).toBe(`publish ${(destination as { string: string }).string}`);
      for (const l of c.span.links) {
        const link = decodeLink(l);
        const linked = toHex(link.traceId);
        expect(traceOrder.indexOf(linked)).toBeGreaterThanOrEqual(0);
        expect(traceOrder.indexOf(linked)).toBeLessThanOrEqual(traceOrder.indexOf(c.traceId));
        expect(link.spanId.length).toBe(8);
        links++;
      }
    }
    expect(links).toBeGreaterThan(0);
  });

  test('children lie within their parent time range (except asynchronous consumers)', () => {
    const violations = spans.filter((s) => {
      if (s.span.endTimeUnixNano < s.span.startTimeUnixNano) return true;
      const p = parentOf(s);
      if (!p || s.span.kind === SpanKind.Consumer) return false;
      return s.span.startTimeUnixNano < p.span.startTimeUnixNano || s.span.endTimeUnixNano > p.span.endTimeUnixNano;
    });
    expect(violations).toHaveLength(0);
  });

  test('trace sizes vary: most are small, some have hundreds of spans', () => {
    const sizes = [...traces.values()].map((l) => l.length).sort((a, b) => a - b);
    expect(sizes[0]).toBeLessThan(5); // health checks
    expect(sizes[Math.floor(sizes.length / 2)]).toBeLessThan(60);
    expect(sizes.filter((n) => n >= 100).length).toBeGreaterThan(10);
    expect(sizes[sizes.length - 1]).toBeGreaterThan(200);
  });

  test('durations are long-tailed', () => {
    const d = generator
      .truth()
      .traces!.map((t) => t.durationMs)
      .sort((a, b) => a - b);
    const p50 = d[Math.floor(d.length * 0.5)]!;
    const p99 = d[Math.floor(d.length * 0.99)]!;
    expect(p50).toBeGreaterThan(1);
    expect(p99 / p50).toBeGreaterThan(5);
  });

  test('every span has 10–20 attributes following the semantic conventions for its kind', () => {
    const problems: string[] = [];
    const need = (s: Located, a: Map<string, AnyValue>, keys: string[], kinds: SpanKind[]): void => {
      for (const k of keys) if (!a.has(k)) problems.push(`${s.span.name}: missing ${k}`);
      if (!kinds.includes(s.span.kind)) problems.push(`${s.span.name}: unexpected kind ${s.span.kind}`);
    };
    for (const s of spans) {
      const a = attrs(s.span.attributes);
      if (a.size < 10 || a.size > 20) problems.push(`${s.span.name}: ${a.size} attributes`);
      if (a.has('db.system')) need(s, a, ['db.query.text', 'db.statement', 'db.operation.name', 'server.address'], [SpanKind.Client]);
      else if (a.has('http.route'))
        need(s, a, ['http.request.method', 'url.path', 'http.response.status_code', 'user_agent.original'], [SpanKind.Server]);
      else if (a.has('url.full')) need(s, a, ['http.request.method', 'http.response.status_code', 'server.address'], [SpanKind.Client]);
      else if (a.has('rpc.system')) need(s, a, ['rpc.service', 'rpc.method', 'rpc.grpc.status_code'], [SpanKind.Client, SpanKind.Server]);
      else if (a.has('messaging.system'))
        need(s, a, ['messaging.destination.name', 'messaging.operation.type'], [SpanKind.Producer, SpanKind.Consumer]);
      else need(s, a, ['code.function.name'], [SpanKind.Internal]);
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  test('resources carry service, version, environment, host and SDK attributes', () => {
    const batch = requests[0]!.batches[0]!;
    for (const r of batch.resources) {
      const a = attrs(r.attributes);
      expect(a.get('service.name')).toEqual({ string: r.serviceName });
      for (const k of [
        'service.version',
        'deployment.environment.name',
        'host.name',
        'telemetry.sdk.name',
        'telemetry.sdk.language',
        'telemetry.sdk.version',
      ]) {
        expect(a.has(k)).toBe(true);
      }
    }
  });

  test('error spans have status ERROR with a message; where an error starts there is an exception event', () => {
    const errors = spans.filter((s) => s.span.statusCode === StatusCode.Error);
    expect(errors.length).toBeGreaterThan(0);
    let exceptions = 0;
    for (const e of errors) {
      expect(e.span.statusMessage).not.toBe('');
      expect(attrs(e.span.attributes).has('error.type')).toBe(true);
      for (const ev of e.span.events) {
        const event = decodeEvent(ev);
        expect(event.name).toBe('exception');
        const ea = attrs(event.attributes);
        for (const k of ['exception.type', 'exception.message', 'exception.stacktrace']) expect(ea.has(k)).toBe(true);
        expect(event.timeUnixNano).toBeGreaterThanOrEqual(e.span.startTimeUnixNano);
        expect(event.timeUnixNano).toBeLessThanOrEqual(e.span.endTimeUnixNano);
        exceptions++;
      }
    }
    expect(exceptions).toBeGreaterThan(0);
    // Errors reach callers: a failed server span always fails its client span.
    for (const e of errors) {
      if (e.span.kind === SpanKind.Server && e.span.parentSpanId.length > 0) expect(parentOf(e)!.span.statusCode).toBe(StatusCode.Error);
    }
  });

  test('ground truth equals a recount of the emitted spans', () => {
    const truth = generator.truth();
    const recount = groundTruthFromBatches(allBatches(requests));
    expect(recount.operations).toEqual(truth.operations);
    expect(recount.traces).toEqual(truth.traces);
    expect({ ...recount.totals, requests: truth.totals.requests }).toEqual(truth.totals);
    expect(truth.totals.requests).toBe(requests.length);
    expect(truth.totals.spans).toBe(spans.length);
  });

  test('per-trace truth matches the spans: root, services, duration, span IDs', () => {
    for (const t of generator.truth().traces!.slice(0, 200)) {
      const list = traces.get(t.traceId)!;
      expect(t.spanCount).toBe(list.length);
      expect([...t.spanIds].sort()).toEqual(list.map((s) => toHex(s.span.spanId)).sort());
      expect(t.services).toEqual([...new Set(list.map((s) => s.service))].sort());
      const start = list.reduce((m, s) => (s.span.startTimeUnixNano < m ? s.span.startTimeUnixNano : m), list[0]!.span.startTimeUnixNano);
      const end = list.reduce((m, s) => (s.span.endTimeUnixNano > m ? s.span.endTimeUnixNano : m), 0n);
      expect(BigInt(t.durationNano)).toBe(end - start);
      expect(t.hasError).toBe(list.some((s) => s.span.statusCode === StatusCode.Error));
      expect(t.rootService).toBe('gateway');
    }
  });

  test('the ingest decoder accepts every span, in protobuf and in JSON', () => {
    const sample = requests.slice(0, 5);
    for (const r of sample) {
      const n = r.batches.reduce((a, b) => a + b.spans.length, 0);
      const opts = { nowNs: DEFAULT_START_TIME_UNIX_NANO };
      const proto = decodeOtlpTraces(encodeOtlpProtobuf(r.batches), 'protobuf', opts);
      const json = decodeOtlpTraces(encodeOtlpJson(r.batches), 'json', opts);
      expect(proto.rejectedCount).toBe(0);
      expect(proto.accepted).toBe(n);
      expect(json.rejectedCount).toBe(0);
      expect(groundTruthFromBatches(json.batches)).toEqual(groundTruthFromBatches(proto.batches));
      const protoAttrs = proto.batches.flatMap((b) => b.spans.map((s) => s.attributes.toString('hex'))).sort();
      const jsonAttrs = json.batches.flatMap((b) => b.spans.map((s) => s.attributes.toString('hex'))).sort();
      expect(jsonAttrs).toEqual(protoAttrs);
    }
  });

  test('span order within batches is shuffled: children often come before their parent', () => {
    let childFirst = 0;
    for (const r of requests.slice(0, 10)) {
      for (const b of r.batches) {
        const pos = new Map(b.spans.map((s, i) => [toHex(s.spanId), i]));
        for (const [i, s] of b.spans.entries()) {
          const p = pos.get(toHex(s.parentSpanId));
          if (p !== undefined && p > i) childFirst++;
        }
      }
    }
    expect(childFirst).toBeGreaterThan(10);
  });

  test('requests hold several traces, each trace as its own batch', () => {
    for (const r of requests.slice(0, -1)) {
      expect(r.batches.length).toBeGreaterThan(1);
      expect(new Set(r.batches.map((b) => toHex(b.traceId))).size).toBe(r.batches.length);
      expect(r.batches.reduce((a, b) => a + b.spans.length, 0)).toBeGreaterThanOrEqual(512);
    }
  });
});

describe('error rate', () => {
  test.each([0, 0.1, 0.5, 1])('errorRate %p is honoured over 1500 traces and agrees with the ground truth', (errorRate) => {
    const { requests, generator } = generate({ seed: 3, traces: 1500, errorRate });
    const truth = generator.truth();
    const traceHasError = new Map<string, boolean>();
    for (const s of locate(requests))
      traceHasError.set(s.traceId, (traceHasError.get(s.traceId) ?? false) || s.span.statusCode === StatusCode.Error);
    const errorTraces = [...traceHasError.values()].filter(Boolean).length;
    expect(truth.totals.errorTraces).toBe(errorTraces);
    expect(truth.traces!.filter((t) => t.hasError).length).toBe(errorTraces);
    expect(Math.abs(errorTraces / 1500 - errorRate)).toBeLessThanOrEqual(0.025);
    const errorCalls = truth.operations.filter((o) => o.statusCode === 'Error').reduce((a, o) => a + o.calls, 0);
    expect(errorCalls).toBe(truth.totals.errorSpans);
    for (const o of truth.operations) expect(o.errors).toBe(o.statusCode === 'Error' ? o.calls : 0);
  });
});

describe('late and split spans', () => {
  test('late spans arrive lateAfterRequests requests later; traces are still complete at the end', () => {
    const { requests, generator } = generate({ seed: 11, traces: 800, lateRate: 0.1, lateAfterRequests: 2, splitRate: 0 });
    const spans = locate(requests);
    const firstSeen = new Map<string, number>();
    for (const s of spans) if (!firstSeen.has(s.traceId)) firstSeen.set(s.traceId, s.request);
    const late = spans.filter((s) => s.request > firstSeen.get(s.traceId)!);
    expect(late.length / spans.length).toBeGreaterThan(0.07);
    expect(late.length / spans.length).toBeLessThan(0.13);
    // Late spans come exactly 2 requests later (or in the final flush).
    const last = requests.length - 1;
    expect(late.filter((s) => s.request !== firstSeen.get(s.traceId)! + 2 && s.request !== last)).toHaveLength(0);
    // Nothing lost: every parent is present somewhere.
    const ids = new Set(spans.map((s) => `${s.traceId}/${toHex(s.span.spanId)}`));
    expect(spans.filter((s) => s.span.parentSpanId.length > 0 && !ids.has(`${s.traceId}/${toHex(s.span.parentSpanId)}`))).toHaveLength(0);
    expect(generator.truth().totals.spans).toBe(spans.length);
  });

  test('with lateDelayMs, late spans form separate delayed requests of already-seen traces', () => {
    const { requests } = generate({ seed: 12, traces: 400, lateRate: 0.05, lateDelayMs: 250, splitRate: 0 });
    const delayed = requests.filter((r) => r.sendAfterMs !== undefined);
    expect(delayed.length).toBeGreaterThan(0);
    const seen = new Set<string>();
    for (const r of requests) {
      if (r.sendAfterMs !== undefined) {
        expect(r.sendAfterMs).toBe(250);
        for (const b of r.batches) expect(seen.has(toHex(b.traceId))).toBe(true);
      }
      for (const b of r.batches) seen.add(toHex(b.traceId));
    }
  });

  test('split traces spread over consecutive requests', () => {
    const { requests } = generate({ seed: 13, traces: 400, lateRate: 0, splitRate: 0.3 });
    const requestsOf = new Map<string, Set<number>>();
    for (const s of locate(requests)) {
      const set = requestsOf.get(s.traceId) ?? new Set<number>();
      set.add(s.request);
      requestsOf.set(s.traceId, set);
    }
    const split = [...requestsOf.values()].filter((s) => s.size > 1);
    expect(split.length).toBeGreaterThan(60);
    for (const set of split) {
      const [a, b] = [...set].sort((x, y) => x - y);
      expect(set.size).toBe(2);
      expect(b! - a!).toBe(1);
    }
  });

  test('stop() ends generation but still flushes held-back spans', () => {
    const generator = new TrafficGenerator({ seed: 14, lateRate: 0.2, lateAfterRequests: 5 });
    const requests: LoadRequest[] = [];
    for (let i = 0; i < 10; i++) requests.push(generator.nextRequest()!);
    generator.stop();
    const tracesAtStop = generator.traces;
    for (let r = generator.nextRequest(); r; r = generator.nextRequest()) requests.push(r);
    expect(generator.done).toBe(true);
    expect(generator.traces).toBe(tracesAtStop);
    const spans = locate(requests);
    const ids = new Set(spans.map((s) => `${s.traceId}/${toHex(s.span.spanId)}`));
    expect(spans.filter((s) => s.span.parentSpanId.length > 0 && !ids.has(`${s.traceId}/${toHex(s.span.parentSpanId)}`))).toHaveLength(0);
    expect(generator.truth().totals.traces).toBe(tracesAtStop);
  });
});

describe('timestamps', () => {
  test('virtual time starts at startTimeUnixNano and advances with tracesPerSecond', () => {
    const start = 1_800_000_000_000_000_000n;
    const truth = generate({ seed: 5, traces: 1000, startTimeUnixNano: start, tracesPerSecond: 100 }).generator.truth();
    const starts = truth.traces!.map((t) => BigInt(t.startTimeUnixNano));
    expect(starts[0]).toBe(start);
    const last = starts.reduce((m, s) => (s > m ? s : m), 0n);
    const seconds = Number(last - start) / 1e9;
    expect(seconds).toBeGreaterThan(8); // ≈ 10 s for 1000 traces at 100/s
    expect(seconds).toBeLessThan(12);
  });

  test('the default start is fixed, so timestamps do not depend on the clock', () => {
    const truth = generate({ seed: 5, traces: 3, clock: () => 123n }).generator.truth();
    expect(BigInt(truth.traces![0]!.startTimeUnixNano)).toBe(DEFAULT_START_TIME_UNIX_NANO);
  });

  test('realtime: each trace ends at the clock when it is generated', () => {
    let now = 1_900_000_000_000_000_000n;
    const clock = (): bigint => (now += 1_000_000n);
    const truth = generate({ seed: 6, traces: 200, realtime: true, clock, lateRate: 0, splitRate: 0 }).generator.truth();
    const ends = truth.traces!.map((t) => BigInt(t.endTimeUnixNano));
    for (const [i, end] of ends.entries()) {
      expect(end).toBeLessThanOrEqual(1_900_000_000_000_000_000n + BigInt(i + 1) * 1_000_000n);
      expect(end).toBeGreaterThan(1_900_000_000_000_000_000n + BigInt(i + 1) * 1_000_000n - 1_000_000n);
    }
  });
});

describe('options', () => {
  test.each<[string, LoadgenOptions]>([
    ['errorRate above 1', { errorRate: 1.2 }],
    ['negative lateRate', { lateRate: -0.1 }],
    ['zero spansPerRequest', { spansPerRequest: 0 }],
    ['fractional traces', { traces: 2.5 }],
    ['slowFactor below 1', { slowFactor: [0.5, 2] }],
  ])('rejects %s', (_name, options) => {
    expect(() => new TrafficGenerator(options)).toThrow(RangeError);
  });

  test('maxSpansPerTrace caps trace size', () => {
    const truth = generate({ seed: 9, traces: 300, maxSpansPerTrace: 25 }).generator.truth();
    expect(Math.max(...truth.traces!.map((t) => t.spanCount))).toBeLessThanOrEqual(25);
  });

  test('groundTruthTraces: false keeps counts only', () => {
    const truth = generate({ seed: 9, traces: 50, groundTruthTraces: false }).generator.truth();
    expect(truth.traces).toBeUndefined();
    expect(truth.totals.traces).toBe(50);
  });
});

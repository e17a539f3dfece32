import { SpanKind, StatusCode } from '@tailstream/model';
import type { CompiledOperation, CompiledService, CompiledTopology, ServiceInstance } from './compiled-topology';
import { LANGUAGE_PROFILES } from './instrumentation';
import type { Random } from './random';

/** How a span came to be, which decides its attributes. */
export type SpanRole = 'server' | 'consumer' | 'internal' | 'client' | 'db-client' | 'producer';

/** Why a span failed (set on the span where an error starts and on spans it reached). */
export interface Failure {
  /** HTTP response status code (http server/client spans). */
  httpStatus?: number;
  /** gRPC status code (grpc server/client spans). */
  grpcStatus?: number;
  /** `error.type` attribute. */
  errorType: string;
  /** Record an exception event on this span. */
  exception: boolean;
}

/** A span while its trace is being built: times are ms offsets from the trace start. */
export interface GenSpan {
  spanId: Buffer;
  parent: GenSpan | undefined;
  role: SpanRole;
  kind: SpanKind;
  name: string;
  /** The operation performed (server/internal/consumer) or called (client/db-client/producer). */
  operation: CompiledOperation;
  /** Service that emits the span. */
  service: CompiledService;
  instance: ServiceInstance;
  /** Client span ↔ the server span answering it. */
  peer: GenSpan | undefined;
  startMs: number;
  endMs: number;
  statusCode: StatusCode;
  statusMessage: string;
  failure: Failure | undefined;
  /** Span contexts this span links to (trace ID, span ID). */
  links: Array<{ traceId: Buffer; spanId: Buffer }>;
}

/** Knobs of the trace shape, all in [0, 1] unless named otherwise. */
export interface TraceShapeOptions {
  /** Share of traces that contain an error. */
  errorRate: number;
  /** Probability that an error in a span also fails its caller (each step up). */
  errorPropagation: number;
  /** Probability that a span's own time is a slow outlier. */
  slowRate: number;
  /** Slow outliers multiply the own time by a factor drawn in [min, max]. */
  slowFactor: [number, number];
  /** Probability a CONSUMER span also links to a message of an earlier trace (batch processing). */
  linkRate: number;
  /** Hard cap on spans per trace (further calls are skipped). */
  maxSpansPerTrace: number;
}

export interface BuiltTrace {
  traceId: Buffer;
  /** Spans in creation order (parents before children); the root is first. */
  spans: GenSpan[];
  /** Latest end offset (ms): the trace duration, since the root starts at 0. */
  durationMs: number;
  entry: CompiledOperation;
}

const MIN_SELF_MS = 0.005;

/**
 * Builds one trace by walking the topology from an entry point: timings nest (a parent's range
 * holds its children, except CONSUMER spans which run after their PRODUCER like real async
 * messaging), remote calls become CLIENT/SERVER pairs, databases CLIENT spans, queues
 * PRODUCER→CONSUMER pairs. Then decides errors and propagates them up.
 */
export class TraceBuilder {
  private spans: GenSpan[] = [];
  private recentMessages: Array<{ traceId: Buffer; spanId: Buffer }> = [];

  constructor(
    private readonly topology: CompiledTopology,
    private readonly rng: Random,
    private readonly options: TraceShapeOptions,
  ) {}

  build(): BuiltTrace {
    this.spans = [];
    const traceId = this.rng.idBytes(16);
    const entry = this.rng.weighted(this.topology.entrypoints, (e) => e.weight).operation;
    const root = this.runOperation(entry, 'server', 0, undefined, undefined);
    if (this.rng.chance(this.options.errorRate)) this.injectError(root);
    let durationMs = 0;
    for (const s of this.spans) if (s.endMs > durationMs) durationMs = s.endMs;
    for (const s of this.spans) if (s.role === 'producer') this.remember({ traceId, spanId: s.spanId });
    return { traceId, spans: this.spans, durationMs, entry };
  }

  private remember(message: { traceId: Buffer; spanId: Buffer }): void {
    this.recentMessages.push(message);
    if (this.recentMessages.length > 32) this.recentMessages.shift();
  }

  private newSpan(
    role: SpanRole,
    kind: SpanKind,
    name: string,
    operation: CompiledOperation,
    service: CompiledService,
    instance: ServiceInstance,
    parent: GenSpan | undefined,
    startMs: number,
  ): GenSpan {
    const span: GenSpan = {
      spanId: this.rng.idBytes(8),
      parent,
      role,
      kind,
      name,
      operation,
      service,
      instance,
      peer: undefined,
      startMs,
      endMs: startMs,
      statusCode: StatusCode.Unset,
      statusMessage: '',
      failure: undefined,
      links: [],
    };
    this.spans.push(span);
    return span;
  }

  private room(n: number): boolean {
    return this.spans.length + n <= this.options.maxSpansPerTrace;
  }

  /** Own time of one execution of `op`: log-normal around its median, rarely a slow outlier. */
  private selfTime(op: CompiledOperation): number {
    let ms = this.rng.logNormal(op.medianMs, op.sigma);
    if (this.rng.chance(this.options.slowRate)) ms *= this.rng.between(this.options.slowFactor[0], this.options.slowFactor[1]);
    return Math.max(MIN_SELF_MS, ms);
  }

  /** Runs an operation in its own service as a SERVER, CONSUMER or INTERNAL span; returns the span. */
  private runOperation(
    op: CompiledOperation,
    role: 'server' | 'consumer' | 'internal',
    startMs: number,
    parent: GenSpan | undefined,
    instance: ServiceInstance | undefined,
  ): GenSpan {
    const service = op.service;
    const kind = role === 'server' ? SpanKind.Server : role === 'consumer' ? SpanKind.Consumer : SpanKind.Internal;
    const span = this.newSpan(role, kind, op.name, op, service, instance ?? this.rng.pick(service.instances), parent, startMs);
    const self = this.selfTime(op);
    const before = self * this.rng.between(0.15, 0.6);
    let t = startMs + before;
    let groupStart: number | undefined;
    for (const call of op.calls) {
      if (!this.rng.chance(call.probability)) continue;
      const times = this.rng.int(call.min, call.max);
      if (call.parallel) {
        groupStart ??= t;
        let end = t;
        for (let i = 0; i < times; i++)
          end = Math.max(end, this.invoke(call.target, call.local, groupStart + this.rng.between(0.005, 0.05), span));
        t = end;
      } else {
        groupStart = undefined;
        for (let i = 0; i < times; i++) t = this.invoke(call.target, call.local, t + this.rng.between(0.005, 0.08), span);
      }
    }
    span.endMs = t + (self - before);
    return span;
  }

  /** One call from `caller`; returns when the caller is free again (ms offset). */
  private invoke(target: CompiledOperation, local: boolean, startMs: number, caller: GenSpan): number {
    const kind = target.service.kind;
    if (local) {
      if (!this.room(1)) return startMs;
      return this.runOperation(target, 'internal', startMs, caller, caller.instance).endMs;
    }
    if (kind === 'http' || kind === 'grpc') {
      if (!this.room(2)) return startMs;
      const client = this.newSpan('client', SpanKind.Client, target.name, target, caller.service, caller.instance, caller, startMs);
      const server = this.runOperation(target, 'server', startMs + this.rng.between(0.05, 0.6), client, undefined);
      client.peer = server;
      server.peer = client;
      client.endMs = server.endMs + this.rng.between(0.05, 0.6);
      return client.endMs;
    }
    if (kind === 'database' || kind === 'cache') {
      if (!this.room(1)) return startMs;
      const span = this.newSpan('db-client', SpanKind.Client, target.name, target, caller.service, caller.instance, caller, startMs);
      span.endMs = startMs + this.selfTime(target);
      return span.endMs;
    }
    if (kind === 'queue') {
      if (!this.room(1)) return startMs;
      const producer = this.newSpan(
        'producer',
        SpanKind.Producer,
        `publish ${target.name}`,
        target,
        caller.service,
        caller.instance,
        caller,
        startMs,
      );
      producer.endMs = startMs + this.selfTime(target) * 0.5;
      for (const consumerOp of target.consumers) {
        if (!this.room(1)) break;
        const lag = this.rng.logNormal(4, 1);
        const consumer = this.runOperation(consumerOp, 'consumer', producer.endMs + lag, producer, undefined);
        if (this.recentMessages.length > 0 && this.rng.chance(this.options.linkRate))
          consumer.links.push(this.rng.pick(this.recentMessages));
      }
      return producer.endMs;
    }
    return startMs; // worker targets are rejected by validation
  }

  /** Picks where the error starts (weighted by operation errorWeight) and propagates it upwards. */
  private injectError(root: GenSpan): void {
    const eligible = this.spans.filter((s) => s.role !== 'client' && s.operation.errorWeight > 0);
    const origin = eligible.length > 0 ? this.rng.weighted(eligible, (s) => s.operation.errorWeight) : root;
    let current = this.failOrigin(origin, origin === root);
    for (;;) {
      // A failed server answers its client with the failure: the client span records it.
      if (current.role === 'server' && current.peer) {
        const client = current.peer;
        const f = current.failure!;
        this.fail(client, { ...f, exception: false }, describe(f, current.service.name));
        current = client;
        continue;
      }
      const parent = current.parent;
      // Messages are asynchronous: a consumer failure never reaches the producer.
      if (!parent || current.role === 'consumer' || !this.rng.chance(this.options.errorPropagation)) return;
      const f = current.failure ?? { errorType: 'UpstreamError', exception: false };
      const upstream: Failure =
        parent.role === 'server' && parent.service.kind === 'http'
          ? { httpStatus: this.rng.pick([500, 502, 503]), errorType: f.errorType, exception: this.rng.chance(0.5) }
          : parent.role === 'server' && parent.service.kind === 'grpc'
            ? { grpcStatus: this.rng.pick([2, 13, 14]), errorType: f.errorType, exception: this.rng.chance(0.5) }
            : { errorType: f.errorType, exception: this.rng.chance(0.5) };
      this.fail(parent, upstream, `${current.name} failed: ${current.statusMessage || f.errorType}`);
      current = parent;
    }
  }

  /** Marks the origin of an error; returns it. */
  private failOrigin(span: GenSpan, isRoot: boolean): GenSpan {
    const kind = span.service.kind;
    if (span.role === 'server' && kind === 'http') {
      // Sometimes a 4xx: per HTTP semantic conventions the server span stays unset, the client span fails.
      if (!isRoot && this.rng.chance(0.25)) {
        const status = this.rng.pick([400, 404, 409, 422]);
        span.failure = { httpStatus: status, errorType: String(status), exception: false };
        return span;
      }
      const status = this.rng.pick([500, 500, 502, 503, 504]);
      this.fail(span, { httpStatus: status, errorType: this.exceptionType(span), exception: true }, this.errorMessage(span));
      return span;
    }
    if (span.role === 'server' && kind === 'grpc') {
      if (!isRoot && this.rng.chance(0.25)) {
        // NOT_FOUND / INVALID_ARGUMENT / ALREADY_EXISTS: not a server error, but the client fails.
        const code = this.rng.pick([5, 3, 6]);
        span.failure = { grpcStatus: code, errorType: GRPC_CODE_NAMES[code] ?? String(code), exception: false };
        return span;
      }
      const code = this.rng.pick([2, 4, 13, 14]);
      this.fail(span, { grpcStatus: code, errorType: this.exceptionType(span), exception: true }, this.errorMessage(span));
      return span;
    }
    if (span.role === 'db-client') {
      const errorType = span.service.kind === 'cache' ? 'redis.TimeoutError' : this.rng.pick(['40P01', '57014', '23505']);
      this.fail(span, { errorType, exception: true }, DB_MESSAGES[errorType] ?? 'database error');
      return span;
    }
    this.fail(span, { errorType: this.exceptionType(span), exception: true }, this.errorMessage(span));
    return span;
  }

  private fail(span: GenSpan, failure: Failure, message: string): void {
    span.failure = failure;
    span.statusCode = StatusCode.Error;
    span.statusMessage = message;
  }

  private exceptionType(span: GenSpan): string {
    return this.rng.pick(languageExceptionTypes(span));
  }

  private errorMessage(span: GenSpan): string {
    return this.rng.pick(ERROR_MESSAGES).replace('{op}', span.operation.name);
  }
}

function languageExceptionTypes(span: GenSpan): string[] {
  return LANGUAGE_PROFILES[span.service.language].exceptionTypes;
}

/** Human description of a failure seen from the caller, e.g. `HTTP 503 from payments`. */
function describe(f: Failure, service: string): string {
  if (f.httpStatus !== undefined) return `HTTP ${f.httpStatus} from ${service}`;
  if (f.grpcStatus !== undefined) return `${GRPC_CODE_NAMES[f.grpcStatus] ?? f.grpcStatus} from ${service}`;
  return `${f.errorType} from ${service}`;
}

/** gRPC status code names by number. */
export const GRPC_CODE_NAMES: Record<number, string> = {
  0: 'OK',
  2: 'UNKNOWN',
  3: 'INVALID_ARGUMENT',
  4: 'DEADLINE_EXCEEDED',
  5: 'NOT_FOUND',
  6: 'ALREADY_EXISTS',
  13: 'INTERNAL',
  14: 'UNAVAILABLE',
};

const ERROR_MESSAGES = [
  'timeout while handling {op}',
  'connection reset by peer during {op}',
  'unexpected nil value in {op}',
  'resource exhausted: worker pool full',
  'invalid state transition in {op}',
];

const DB_MESSAGES: Record<string, string> = {
  '40P01': 'deadlock detected',
  '57014': 'canceling statement due to statement timeout',
  '23505': 'duplicate key value violates unique constraint',
  'redis.TimeoutError': 'Command timed out after 500ms',
};

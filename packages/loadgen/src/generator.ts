import { toHex, type SpanBatch } from '@tailstream/model';
import { KeyValueListWriter } from './attribute-writer';
import { buildBatch } from './batch-builder';
import { compileTopology, type CompiledTopology } from './compiled-topology';
import { defaultTopology } from './default-topology';
import { GroundTruthRecorder, type GroundTruth } from './ground-truth';
import { Random } from './random';
import { toEmittedSpans, type EmittedSpan } from './span-records';
import type { TopologySpec } from './topology';
import { TraceBuilder, type TraceShapeOptions } from './trace-builder';

/** One OTLP export request, as an SDK batch exporter or a Collector would send it. */
export interface LoadRequest {
  /** One batch per trace present in the request. */
  batches: SpanBatch[];
  /** Send no earlier than this many ms after the request was taken from the generator (late spans). */
  sendAfterMs?: number;
}

/** Options of the traffic generator; every one has a default (see docs/loadgen.md). */
export interface LoadgenOptions {
  /** Seed of all randomness (default 1). Same seed and options → byte-identical traffic. */
  seed?: number;
  /** Service topology (default: defaultTopology()). */
  topology?: TopologySpec;
  /** Traces to generate before the generator ends by itself (default: unlimited). */
  traces?: number;
  /** Whole traces are added to a request until it holds at least this many spans (default 512). */
  spansPerRequest?: number;
  /** Share of traces containing an error (default 0.03). */
  errorRate?: number;
  /** Probability an error also fails the calling span, at each step up (default 0.7). */
  errorPropagation?: number;
  /** Probability that a span's own time is a slow outlier (default 0.01). */
  slowRate?: number;
  /** Slow outliers multiply the own time by a factor in [min, max] (default [8, 40]). */
  slowFactor?: [number, number];
  /** Probability that a CONSUMER span links to a message of an earlier trace (default 0.2). */
  linkRate?: number;
  /** Cap on spans per trace (default 2000). */
  maxSpansPerTrace?: number;
  /** Share of spans held back and sent in a later request (default 0.01). */
  lateRate?: number;
  /** Late spans go into the request this many requests later (default 3). Ignored when lateDelayMs is set. */
  lateAfterRequests?: number;
  /** If set, late spans of a request form their own request with `sendAfterMs` = this delay. */
  lateDelayMs?: number;
  /** Share of traces whose spans are split over two consecutive requests (default 0.05). */
  splitRate?: number;
  /** Shuffle span order within each batch, so children often come before parents (default true). */
  shuffle?: boolean;
  /** Virtual arrival rate of traces, which spaces their start times (default 200/s). */
  tracesPerSecond?: number;
  /** Start of the first trace in virtual time, ns since epoch (default DEFAULT_START_TIME_UNIX_NANO). */
  startTimeUnixNano?: bigint;
  /** Stamp each trace so it ends at `clock()` when generated (for live runs). Times then depend on the clock. */
  realtime?: boolean;
  /** Wall clock in ns for `realtime` (default Date.now() based). */
  clock?: () => bigint;
  /** `deployment.environment.name` of every resource (default `production`). */
  environment?: string;
  /** Keep per-trace ground truth (default true; switch off for long runs: it grows with every trace). */
  groundTruthTraces?: boolean;
}

/** Default start of virtual time: 2025-01-01T00:00:00Z. */
export const DEFAULT_START_TIME_UNIX_NANO = 1_735_689_600_000_000_000n;

interface Pending {
  due: number;
  traceId: Buffer;
  spans: EmittedSpan[];
}

/** Wall-clock nanoseconds. */
export function systemClock(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}

/**
 * Produces OTLP export requests with realistic traces, deterministically from a seed, and keeps
 * the ground truth of everything it emitted. Pull-based: `nextRequest()` until it returns
 * undefined (after `traces` traces, or after `stop()` once held-back spans are flushed).
 * Also iterable: `for (const request of generator)`.
 */
export class TrafficGenerator implements Iterable<LoadRequest> {
  /** Ground truth of every request returned so far. */
  readonly groundTruth: GroundTruthRecorder;
  private readonly rng: Random;
  private readonly builder: TraceBuilder;
  private readonly topology: CompiledTopology;
  private readonly opts: Required<Omit<LoadgenOptions, 'topology' | 'traces' | 'lateDelayMs' | 'clock' | 'startTimeUnixNano'>> & {
    traces: number;
    lateDelayMs: number | undefined;
  };
  private readonly clock: () => bigint;
  private readonly writer = new KeyValueListWriter();
  private pending: Pending[] = [];
  private ready: LoadRequest[] = [];
  private requestIndex = 0;
  private tracesBuilt = 0;
  private virtualMs = 0;
  private readonly startNs: bigint;
  private stopped = false;

  constructor(options: LoadgenOptions = {}) {
    const seed = options.seed ?? 1;
    const root = new Random(seed);
    this.opts = {
      seed,
      traces: count(options.traces, 'traces'),
      spansPerRequest: positive(options.spansPerRequest ?? 512, 'spansPerRequest'),
      errorRate: fraction(options.errorRate ?? 0.03, 'errorRate'),
      errorPropagation: fraction(options.errorPropagation ?? 0.7, 'errorPropagation'),
      slowRate: fraction(options.slowRate ?? 0.01, 'slowRate'),
      slowFactor: factorRange(options.slowFactor ?? [8, 40]),
      linkRate: fraction(options.linkRate ?? 0.2, 'linkRate'),
      maxSpansPerTrace: positive(options.maxSpansPerTrace ?? 2000, 'maxSpansPerTrace'),
      lateRate: fraction(options.lateRate ?? 0.01, 'lateRate'),
      lateAfterRequests: positive(options.lateAfterRequests ?? 3, 'lateAfterRequests'),
      lateDelayMs: options.lateDelayMs,
      splitRate: fraction(options.splitRate ?? 0.05, 'splitRate'),
      shuffle: options.shuffle ?? true,
      tracesPerSecond: positive(options.tracesPerSecond ?? 200, 'tracesPerSecond'),
      realtime: options.realtime ?? false,
      environment: options.environment ?? 'production',
      groundTruthTraces: options.groundTruthTraces ?? true,
    };
    this.clock = options.clock ?? systemClock;
    this.startNs = options.startTimeUnixNano ?? DEFAULT_START_TIME_UNIX_NANO;
    // Independent streams: changing how one part draws never shifts another.
    this.topology = compileTopology(options.topology ?? defaultTopology(), root.fork(), this.opts.environment);
    const shape: TraceShapeOptions = {
      errorRate: this.opts.errorRate,
      errorPropagation: this.opts.errorPropagation,
      slowRate: this.opts.slowRate,
      slowFactor: this.opts.slowFactor,
      linkRate: this.opts.linkRate,
      maxSpansPerTrace: this.opts.maxSpansPerTrace,
    };
    this.builder = new TraceBuilder(this.topology, root.fork(), shape);
    this.rng = root.fork();
    this.groundTruth = new GroundTruthRecorder(seed, this.opts.groundTruthTraces);
  }

  /** Traces generated so far. */
  get traces(): number {
    return this.tracesBuilt;
  }

  /** Stops generating new traces; spans already held back are still returned by nextRequest(). */
  stop(): void {
    this.stopped = true;
  }

  /** True once no request will follow. */
  get done(): boolean {
    return this.exhausted() && this.pending.length === 0 && this.ready.length === 0;
  }

  [Symbol.iterator](): Iterator<LoadRequest> {
    return {
      next: () => {
        const value = this.nextRequest();
        return value ? { value, done: false } : { value: undefined, done: true };
      },
    };
  }

  /** The next request, or undefined when the generator has finished. */
  nextRequest(): LoadRequest | undefined {
    const queued = this.ready.shift();
    if (queued) return this.emit(queued);
    if (this.done) return undefined;
    const index = this.requestIndex++;
    const groups = new Map<string, { traceId: Buffer; spans: EmittedSpan[] }>();
    const add = (traceId: Buffer, spans: EmittedSpan[]): void => {
      const key = toHex(traceId);
      const group = groups.get(key);
      if (group) group.spans.push(...spans);
      else groups.set(key, { traceId, spans: [...spans] });
    };
    const flushAll = this.exhausted();
    const stillPending: Pending[] = [];
    for (const p of this.pending) {
      if (flushAll || p.due <= index) add(p.traceId, p.spans);
      else stillPending.push(p);
    }
    this.pending = stillPending;
    const delayed: Array<{ traceId: Buffer; spans: EmittedSpan[] }> = [];
    let spanCount = 0;
    for (const g of groups.values()) spanCount += g.spans.length;
    while (!this.exhausted() && spanCount < this.opts.spansPerRequest) {
      const { traceId, spans } = this.nextTrace();
      const onTime: EmittedSpan[] = [];
      const late: EmittedSpan[] = [];
      for (const s of spans) (this.rng.chance(this.opts.lateRate) ? late : onTime).push(s);
      if (onTime.length > 1 && this.rng.chance(this.opts.splitRate)) {
        // An exporter flushed in the middle of the trace: the rest goes in the next request.
        this.rng.shuffle(onTime);
        const rest = onTime.splice(this.rng.int(1, onTime.length - 1));
        this.pending.push({ due: index + 1, traceId, spans: rest });
      }
      if (late.length > 0) {
        if (this.opts.lateDelayMs !== undefined) delayed.push({ traceId, spans: late });
        else this.pending.push({ due: index + this.opts.lateAfterRequests, traceId, spans: late });
      }
      if (onTime.length > 0) add(traceId, onTime);
      spanCount += spans.length;
    }
    if (delayed.length > 0)
      this.ready.push({ batches: delayed.map((d) => this.batch(d.traceId, d.spans)), sendAfterMs: this.opts.lateDelayMs });
    if (groups.size === 0) {
      const next = this.ready.shift();
      return next ? this.emit(next) : this.nextRequest();
    }
    return this.emit({ batches: [...groups.values()].map((g) => this.batch(g.traceId, g.spans)) });
  }

  /** Ground truth of everything returned so far. */
  truth(): GroundTruth {
    return this.groundTruth.toJSON();
  }

  private exhausted(): boolean {
    return this.stopped || this.tracesBuilt >= this.opts.traces;
  }

  private emit(request: LoadRequest): LoadRequest {
    this.groundTruth.observeRequest(request.batches);
    return request;
  }

  private batch(traceId: Buffer, spans: EmittedSpan[]): SpanBatch {
    if (this.opts.shuffle) this.rng.shuffle(spans);
    return buildBatch(traceId, spans);
  }

  private nextTrace(): { traceId: Buffer; spans: EmittedSpan[] } {
    const trace = this.builder.build();
    this.tracesBuilt++;
    let startNs: bigint;
    if (this.opts.realtime) {
      startNs = this.clock() - BigInt(Math.ceil(trace.durationMs * 1e6));
    } else {
      startNs = this.startNs + BigInt(Math.round(this.virtualMs * 1e6));
      this.virtualMs += this.rng.exponential(1000 / this.opts.tracesPerSecond);
    }
    return { traceId: trace.traceId, spans: toEmittedSpans(trace, startNs, this.rng, this.writer) };
  }
}

function fraction(value: number, name: string): number {
  if (!(value >= 0 && value <= 1)) throw new RangeError(`loadgen option ${name} must be in [0, 1], got ${value}`);
  return value;
}

function count(value: number | undefined, name: string): number {
  if (value === undefined) return Number.POSITIVE_INFINITY;
  if (!(Number.isInteger(value) && value >= 0)) throw new RangeError(`loadgen option ${name} must be an integer >= 0, got ${value}`);
  return value;
}

function factorRange(range: [number, number]): [number, number] {
  const [min, max] = range;
  if (!(min >= 1 && max >= min))
    throw new RangeError(`loadgen option slowFactor must be [min, max] with 1 <= min <= max, got [${min}, ${max}]`);
  return range;
}

function positive(value: number, name: string): number {
  if (!(value > 0)) throw new RangeError(`loadgen option ${name} must be > 0, got ${value}`);
  return value;
}

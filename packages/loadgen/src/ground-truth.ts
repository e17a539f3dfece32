import { promises as fs } from 'fs';
import { serviceOf, spanKindName, statusCodeName, StatusCode, toHex, type SpanBatch } from '@tailstream/model';

/**
 * What the generator emitted, in a JSON-ready shape (times as decimal strings of ns, IDs as
 * lower-case hex). Everything a test needs to predict a pipeline's output independently: exact
 * RED counts per (service, span name, span kind, status code), and per trace what a tail-sampling
 * policy looks at (errors, duration, services) plus the span IDs to check completeness.
 * The format is documented in docs/loadgen.md.
 */
export interface GroundTruth {
  format: typeof GROUND_TRUTH_FORMAT;
  version: 1;
  /** Seed of the generator, or null when the truth was recounted from other input. */
  seed: number | null;
  totals: GroundTruthTotals;
  /** Sorted by service, span name, span kind, status code. */
  operations: OperationCount[];
  /** Per trace, in order of first appearance; omitted when per-trace truth was switched off. */
  traces?: TraceTruth[];
}

export const GROUND_TRUTH_FORMAT = 'tailstream-loadgen-ground-truth';

export interface GroundTruthTotals {
  /** OTLP requests emitted (0 when recounted from batches). */
  requests: number;
  traces: number;
  spans: number;
  /** Spans with status code Error. */
  errorSpans: number;
  /** Traces with at least one Error span. */
  errorTraces: number;
}

export interface OperationCount {
  service: string;
  spanName: string;
  /** `Server`, `Client`, `Internal`, `Producer`, `Consumer` (as the ClickHouse exporter writes). */
  spanKind: string;
  /** `Unset`, `Ok` or `Error`. */
  statusCode: string;
  calls: number;
  /** Calls with status code Error (equals `calls` when statusCode is `Error`, else 0). */
  errors: number;
}

export interface TraceTruth {
  traceId: string;
  spanCount: number;
  errorCount: number;
  hasError: boolean;
  /** Service and name of the span without parent ('' if none was emitted). */
  rootService: string;
  rootSpanName: string;
  /** Earliest span start and latest span end, ns since the epoch (decimal strings). */
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  /** Latest end minus earliest start, ns (decimal string). */
  durationNano: string;
  /** The same duration in milliseconds (for reading; compare with durationNano for exactness). */
  durationMs: number;
  /** Distinct service names, sorted. */
  services: string[];
  /** Span IDs (hex), sorted. */
  spanIds: string[];
}

interface MutableTrace {
  traceId: string;
  spanCount: number;
  errorCount: number;
  rootService: string;
  rootSpanName: string;
  start: bigint;
  end: bigint;
  services: Set<string>;
  spanIds: string[];
}

/** Accumulates ground truth from the span batches as they are emitted. */
export class GroundTruthRecorder {
  /** service → span name → counts indexed by kind * 3 + status code. */
  private readonly operations = new Map<string, Map<string, Array<OperationCount | undefined>>>();
  private readonly traces = new Map<string, MutableTrace>();
  private traceCount = 0;
  private readonly seenTraces = new Set<string>();
  private spans = 0;
  private errorSpans = 0;
  private readonly errorTraces = new Set<string>();
  private requests = 0;

  /**
   * @param seed recorded in the output.
   * @param perTrace keep per-trace truth (memory grows with the number of traces: switch off for long runs).
   */
  constructor(
    private readonly seed: number | null = null,
    private readonly perTrace = true,
  ) {}

  /** Counts one emitted request. */
  observeRequest(batches: readonly SpanBatch[]): void {
    this.requests++;
    for (const b of batches) this.observe(b);
  }

  /** Counts the spans of one batch. */
  observe(batch: SpanBatch): void {
    const traceId = toHex(batch.traceId);
    if (!this.seenTraces.has(traceId)) {
      this.seenTraces.add(traceId);
      this.traceCount++;
    }
    let trace: MutableTrace | undefined;
    if (this.perTrace) {
      trace = this.traces.get(traceId);
      if (!trace) {
        trace = {
          traceId,
          spanCount: 0,
          errorCount: 0,
          rootService: '',
          rootSpanName: '',
          start: -1n,
          end: -1n,
          services: new Set(),
          spanIds: [],
        };
        this.traces.set(traceId, trace);
      }
    }
    for (const span of batch.spans) {
      const service = serviceOf(batch, span);
      const op = this.operation(service, span.name, span.kind, span.statusCode);
      op.calls++;
      const isError = span.statusCode === StatusCode.Error;
      if (isError) {
        op.errors++;
        this.errorSpans++;
        this.errorTraces.add(traceId);
      }
      this.spans++;
      if (trace) {
        trace.spanCount++;
        if (isError) trace.errorCount++;
        if (span.parentSpanId.length === 0) {
          trace.rootService = service;
          trace.rootSpanName = span.name;
        }
        if (trace.start < 0n || span.startTimeUnixNano < trace.start) trace.start = span.startTimeUnixNano;
        if (trace.end < 0n || span.endTimeUnixNano > trace.end) trace.end = span.endTimeUnixNano;
        trace.services.add(service);
        trace.spanIds.push(toHex(span.spanId));
      }
    }
  }

  private operation(service: string, name: string, kind: number, status: number): OperationCount {
    let byName = this.operations.get(service);
    if (!byName) this.operations.set(service, (byName = new Map()));
    let slots = byName.get(name);
    if (!slots) byName.set(name, (slots = []));
    // Out-of-range numbers share the slot of the name they display as.
    const k = kind >= 0 && kind <= 5 ? kind : 0;
    const c = status >= 0 && status <= 2 ? status : 0;
    let op = slots[k * 3 + c];
    if (!op) {
      op = { service, spanName: name, spanKind: spanKindName(k), statusCode: statusCodeName(c), calls: 0, errors: 0 };
      slots[k * 3 + c] = op;
    }
    return op;
  }

  /** The truth so far, as a JSON-ready object. */
  toJSON(): GroundTruth {
    const operations: OperationCount[] = [];
    for (const byName of this.operations.values())
      for (const slots of byName.values()) for (const op of slots) if (op) operations.push({ ...op });
    operations.sort(compareOperations);
    const truth: GroundTruth = {
      format: GROUND_TRUTH_FORMAT,
      version: 1,
      seed: this.seed,
      totals: {
        requests: this.requests,
        traces: this.traceCount,
        spans: this.spans,
        errorSpans: this.errorSpans,
        errorTraces: this.errorTraces.size,
      },
      operations,
    };
    if (this.perTrace) {
      truth.traces = [...this.traces.values()].map((t) => {
        const duration = t.end - t.start;
        return {
          traceId: t.traceId,
          spanCount: t.spanCount,
          errorCount: t.errorCount,
          hasError: t.errorCount > 0,
          rootService: t.rootService,
          rootSpanName: t.rootSpanName,
          startTimeUnixNano: t.start.toString(),
          endTimeUnixNano: t.end.toString(),
          durationNano: duration.toString(),
          durationMs: Number(duration) / 1e6,
          services: [...t.services].sort(),
          spanIds: [...t.spanIds].sort(),
        };
      });
    }
    return truth;
  }
}

function compareOperations(a: OperationCount, b: OperationCount): number {
  return cmp(a.service, b.service) || cmp(a.spanName, b.spanName) || cmp(a.spanKind, b.spanKind) || cmp(a.statusCode, b.statusCode);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Recounts ground truth from span batches (e.g. a recording, or what a pipeline stored). */
export function groundTruthFromBatches(batches: Iterable<SpanBatch>, perTrace = true): GroundTruth {
  const recorder = new GroundTruthRecorder(null, perTrace);
  for (const b of batches) recorder.observe(b);
  return recorder.toJSON();
}

/** Writes ground truth as pretty JSON. */
export async function writeGroundTruth(file: string, truth: GroundTruth): Promise<void> {
  await fs.writeFile(file, `${JSON.stringify(truth, null, 1)}\n`);
}

/** Reads a ground-truth file written by writeGroundTruth, checking its format marker. */
export async function readGroundTruth(file: string): Promise<GroundTruth> {
  const parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<GroundTruth>;
  if (parsed.format !== GROUND_TRUTH_FORMAT || parsed.version !== 1) {
    throw new Error(`${file}: not a ${GROUND_TRUTH_FORMAT} v1 file`);
  }
  return parsed as GroundTruth;
}

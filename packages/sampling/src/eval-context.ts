import type { AttrValue, AttributeReader, TraceView } from './trace-view';

/** The values one attribute key has across a trace: per resource and per span (undefined = absent). */
export interface AttributeValues {
  readonly resources: readonly (AttrValue | undefined)[];
  readonly spans: readonly (AttrValue | undefined)[];
}

const NS_PER_MS = 1_000_000n;

/**
 * Per-trace, per-evaluation facts shared by all policies: each attribute key is read once per
 * span and resource, and only when a policy asks for it.
 */
export class EvalContext {
  private readonly attributes = new Map<string, AttributeValues>();

  constructor(
    readonly trace: TraceView,
    private readonly reader: AttributeReader,
  ) {}

  /** Values of `key` on every resource and span of the trace. */
  values(key: string): AttributeValues {
    let values = this.attributes.get(key);
    if (values === undefined) {
      const reader = this.reader;
      const resources = this.trace.resources.map((r) => reader.get(r.attributes, key));
      const spans = this.trace.spans.map((s) => reader.get(s.attributes, key));
      values = { resources, spans };
      this.attributes.set(key, values);
    }
    return values;
  }

  /** Trace duration in whole milliseconds (latest end − earliest start, truncated toward zero). */
  durationMs(): number {
    return Number((this.trace.endTimeUnixNano - this.trace.startTimeUnixNano) / NS_PER_MS);
  }

  /**
   * The time rate-based policies use: the ingest receive time recorded in the data when known,
   * else the trace start. Never the wall clock, so a replay in the same order decides the same.
   */
  dataTimeNs(): bigint {
    return this.trace.receivedAtUnixNano > 0n ? this.trace.receivedAtUnixNano : this.trace.startTimeUnixNano;
  }
}

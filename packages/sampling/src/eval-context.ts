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
    /** Every key the engine's policies read: with a getMany reader they are read in one pass. */
    private readonly allKeys: ReadonlySet<string> = new Set(),
  ) {}

  /** Values of `key` on every resource and span of the trace. */
  values(key: string): AttributeValues {
    let values = this.attributes.get(key);
    if (values === undefined) {
      if (this.reader.getMany !== undefined && this.allKeys.size > 1 && this.allKeys.has(key) && this.attributes.size === 0) {
        this.readAll(this.reader.getMany.bind(this.reader));
        values = this.attributes.get(key) as AttributeValues;
      } else {
        const reader = this.reader;
        values = {
          resources: this.trace.resources.map((r) => reader.get(r.attributes, key)),
          spans: this.trace.spans.map((s) => reader.get(s.attributes, key)),
        };
        this.attributes.set(key, values);
      }
    }
    return values;
  }

  /** Reads every key of allKeys with one pass per resource and span. */
  private readAll(getMany: (buf: Buffer, keys: ReadonlySet<string>) => ReadonlyMap<string, AttrValue>): void {
    const keys = this.allKeys;
    const resources = this.trace.resources.map((r) => getMany(r.attributes, keys));
    const spans = this.trace.spans.map((s) => getMany(s.attributes, keys));
    for (const key of keys) {
      this.attributes.set(key, { resources: resources.map((m) => m.get(key)), spans: spans.map((m) => m.get(key)) });
    }
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

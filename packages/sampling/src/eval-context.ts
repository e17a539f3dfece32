import { type AttributeTable, CompiledAttributeKeys } from './attribute-keys';
import type { AttrValue, AttributeReader, TraceView } from './trace-view';

/** The values one attribute key has across a trace: per resource and per span (undefined = absent). */
export interface AttributeValues {
  readonly resources: readonly (AttrValue | undefined)[];
  readonly spans: readonly (AttrValue | undefined)[];
}

const NS_PER_MS = 1_000_000n;

/**
 * Per-trace, per-evaluation facts shared by all policies: each attribute key is read once per
 * span and resource, and only when a policy asks for it. Keys compiled for a table reader are
 * all read together, in one pass per span and resource, the first time a policy asks for one.
 */
export class EvalContext {
  /** Values of keys read one by one (keys without a table ordinal). */
  private readonly singleKeys = new Map<string, AttributeValues>();
  /** Values of every compiled key, once read (undefined until then, and after a failed read). */
  private table: AttributeTable | undefined;
  /** columns[ordinal]: the AttributeValues view of one key of the table, made on first request. */
  private readonly columns: (AttributeValues | undefined)[] = [];

  constructor(
    readonly trace: TraceView,
    private readonly reader: AttributeReader,
    /** Every key the engine's policies read, compiled once per engine (see CompiledAttributeKeys). */
    private readonly compiledKeys: CompiledAttributeKeys = new CompiledAttributeKeys([], reader),
  ) {}

  /** Values of `key` on every resource and span of the trace. */
  values(key: string): AttributeValues {
    const ordinal = this.compiledKeys.tableOrdinal(key);
    if (ordinal >= 0) return (this.columns[ordinal] ??= this.column(ordinal));
    let values = this.singleKeys.get(key);
    if (values === undefined) {
      values = this.readOneKey(key);
      this.singleKeys.set(key, values);
    }
    return values;
  }

  /** The key's column of the table (read on first use; a read that throws is tried again on the next call). */
  private column(ordinal: number): AttributeValues {
    const table = (this.table ??= this.compiledKeys.readTable(this.trace));
    const resourceCount = this.trace.resources.length;
    const spanCount = this.trace.spans.length;
    const start = ordinal * (resourceCount + spanCount);
    const spansStart = start + resourceCount;
    return { resources: table.slice(start, spansStart), spans: table.slice(spansStart, spansStart + spanCount) };
  }

  private readOneKey(key: string): AttributeValues {
    const reader = this.reader;
    return {
      resources: this.trace.resources.map((r) => reader.get(r.attributes, key)),
      spans: this.trace.spans.map((s) => reader.get(s.attributes, key)),
    };
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

import { type AttributeTable, CompiledAttributeKeys } from './attribute-keys';
import type { AttrValue, AttributeReader, TraceView } from './trace-view';

/**
 * The values one attribute key has across a trace (undefined = absent), as a range of a shared
 * array (no copy per key): values[from, spansFrom) per resource, values[spansFrom, to) per span.
 */
export interface AttributeValues {
  readonly values: readonly (AttrValue | undefined)[];
  readonly from: number;
  readonly spansFrom: number;
  readonly to: number;
}

/** The resources' values (a copy; for tests and tools). */
export function resourceValues(v: AttributeValues): (AttrValue | undefined)[] {
  return v.values.slice(v.from, v.spansFrom);
}

/** The spans' values (a copy; for tests and tools). */
export function spanValues(v: AttributeValues): (AttrValue | undefined)[] {
  return v.values.slice(v.spansFrom, v.to);
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
  /**
   * Values of every compiled key, once read (undefined until then, and after a failed read), in the
   * compiled keys' shared table: valid while its generation is still `tableGeneration`.
   */
  private table: AttributeTable | undefined;
  private tableGeneration = -1;
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
    if (ordinal >= 0) {
      if (this.table !== undefined && this.compiledKeys.sharedGeneration !== this.tableGeneration) {
        // another trace's evaluation has reused the shared table since: its columns are stale
        this.table = undefined;
        this.columns.length = 0;
      }
      return (this.columns[ordinal] ??= this.column(ordinal));
    }
    let values = this.singleKeys.get(key);
    if (values === undefined) {
      values = this.readOneKey(key);
      this.singleKeys.set(key, values);
    }
    return values;
  }

  /** The key's column of the table (read on first use; a read that throws is tried again on the next call). */
  private column(ordinal: number): AttributeValues {
    let table = this.table;
    if (table === undefined) {
      table = this.compiledKeys.readSharedTable(this.trace);
      this.table = table;
      this.tableGeneration = this.compiledKeys.sharedGeneration;
    }
    const resourceCount = this.trace.resources.length;
    const rows = resourceCount + this.trace.spans.length;
    const from = ordinal * rows;
    return { values: table, from, spansFrom: from + resourceCount, to: from + rows };
  }

  private readOneKey(key: string): AttributeValues {
    const reader = this.reader;
    const { resources, spans } = this.trace;
    const values: (AttrValue | undefined)[] = [];
    for (const r of resources) values.push(reader.get(r.attributes, key));
    for (const s of spans) values.push(reader.get(s.attributes, key));
    return { values, from: 0, spansFrom: resources.length, to: values.length };
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

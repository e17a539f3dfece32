import type { AttrValue, AttributeBounds, AttributeBoundsShortcut, AttributeReader, AttributeTableReader, TraceView } from './trace-view';

/** One trace's values of every compiled key: table[ordinal * rows + row], rows = resources, then spans. */
export type AttributeTable = (AttrValue | undefined)[];

/**
 * The attribute keys an engine's policies read, compiled once per engine. When the reader can
 * read several keys in one pass (compileKeys, or getMany for two keys or more), each key has an
 * ordinal and a trace's values of all the keys are read together into one AttributeTable.
 */
export class CompiledAttributeKeys {
  private readonly ordinals = new Map<string, number>();
  private readonly tableReader: AttributeTableReader | undefined;
  /** The array readSharedTable reuses, and how many calls it has seen. */
  private shared: AttributeTable = [];
  private generation = 0;

  constructor(
    readonly keys: readonly string[],
    reader: AttributeReader,
  ) {
    keys.forEach((key, ordinal) => this.ordinals.set(key, ordinal));
    this.tableReader = compileTableReader(keys, reader);
  }

  /** The key's ordinal in the AttributeTable, or -1 when the key is not read through a table. */
  tableOrdinal(key: string): number {
    return this.tableReader === undefined ? -1 : (this.ordinals.get(key) ?? -1);
  }

  /** Reads every key on every resource and span of the trace (resources first) into a new table; throws what the reader throws. */
  readTable(trace: TraceView): AttributeTable {
    return this.fillTable(trace, this.newTable(trace));
  }

  /**
   * readTable into one array that every call reuses (no table allocated per trace), valid until
   * the next call: compare `sharedGeneration` with its value after this call before reading it
   * again. Tables of more than SHARED_TABLE_LIMIT slots are new arrays, and the reused one never
   * grows past that limit.
   */
  readSharedTable(trace: TraceView): AttributeTable {
    this.generation++;
    const slots = (trace.resources.length + trace.spans.length) * this.keys.length;
    if (slots > SHARED_TABLE_LIMIT) return this.readTable(trace);
    if (this.shared.length < slots) {
      const size = Math.min(SHARED_TABLE_LIMIT, Math.max(slots, 2 * this.shared.length));
      this.shared = new Array<AttrValue | undefined>(size).fill(undefined);
    }
    else this.shared.fill(undefined, 0, slots);
    return this.fillTable(trace, this.shared);
  }

  /** Changes with every readSharedTable call. */
  get sharedGeneration(): number {
    return this.generation;
  }

  private newTable(trace: TraceView): AttributeTable {
    // filled (not holey): the columns handed to policies are plain dense arrays
    return new Array<AttrValue | undefined>((trace.resources.length + trace.spans.length) * this.keys.length).fill(undefined);
  }

  /** Writes the trace's values into `table`, whose first rows * keys slots are undefined. */
  private fillTable(trace: TraceView, table: AttributeTable): AttributeTable {
    const reader = this.tableReader;
    if (reader === undefined) throw new Error('these attribute keys are not read through a table');
    const { resources, spans } = trace;
    const rows = resources.length + spans.length;
    for (let r = 0; r < resources.length; r++) reader.readRow(resources[r]!.attributes, table, r, rows);
    const readIn = reader.readRowIn;
    for (let s = 0; s < spans.length; s++) {
      const span = spans[s]! as TraceView['spans'][number] & AttributeBoundsShortcut;
      if (readIn !== undefined && span.readAttributeBounds !== undefined) {
        span.readAttributeBounds(bounds);
        readIn.call(reader, bounds.source, bounds.start, bounds.end, table, resources.length + s, rows);
      } else {
        reader.readRow(span.attributes, table, resources.length + s, rows);
      }
    }
    return table;
  }
}

/** Slots of the largest table readSharedTable reuses (512 KiB of slots). */
const SHARED_TABLE_LIMIT = 65_536;

/** Scratch for readAttributeBounds (tables are read one at a time). */
const bounds: AttributeBounds = { source: Buffer.alloc(0), start: 0, end: 0 };

function compileTableReader(keys: readonly string[], reader: AttributeReader): AttributeTableReader | undefined {
  if (keys.length === 0) return undefined;
  if (reader.compileKeys !== undefined) return reader.compileKeys(keys);
  if (reader.getMany !== undefined && keys.length > 1) return new GetManyTableReader(reader, keys);
  return undefined;
}

/** A table reader for readers that only have getMany: one map per buffer, copied into the row. */
class GetManyTableReader implements AttributeTableReader {
  private readonly keySet: ReadonlySet<string>;

  constructor(
    private readonly reader: AttributeReader,
    private readonly keys: readonly string[],
  ) {
    this.keySet = new Set(keys);
  }

  readRow(buf: Buffer, table: AttributeTable, row: number, rows: number): void {
    const values = this.reader.getMany!(buf, this.keySet);
    for (let k = 0; k < this.keys.length; k++) {
      const value = values.get(this.keys[k]!);
      if (value !== undefined) table[k * rows + row] = value;
    }
  }
}

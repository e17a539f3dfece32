import type { SpanRecord } from '@tailstream/model';

/**
 * One OTLP `AnyValue`, as an attribute reader returns it: exactly one of the properties is set.
 * `int` is a bigint (OTLP int64); `array` and `kvlist` are passed through untouched (no policy
 * matches on them); `empty` is a KeyValue without a value. Matches @tailstream/otlp's AnyValue.
 */
export type AttrValue =
  | { readonly string: string }
  | { readonly bool: boolean }
  | { readonly int: bigint }
  | { readonly double: number }
  | { readonly bytes: Uint8Array }
  | { readonly array: readonly unknown[] }
  | { readonly kvlist: unknown }
  | { readonly empty: true };

/**
 * Reads one attribute from the protobuf encoding of an OTLP `KeyValueList` (the `attributes`
 * buffers of spans and resources). Implemented outside this package (e.g. by @tailstream/otlp's
 * getAttribute); it may throw on malformed bytes (the engine counts that as an evaluation error).
 */
export interface AttributeReader {
  get(buf: Buffer, key: string): AttrValue | undefined;
  /**
   * Optional: the values of several keys in one pass over the buffer (absent keys are missing
   * from the map). When present, the engine reads all the keys its policies name at once.
   */
  getMany?(buf: Buffer, keys: ReadonlySet<string>): ReadonlyMap<string, AttrValue>;
  /**
   * Optional, preferred over getMany: compiles a fixed list of keys once (a key's ordinal is its
   * index), for reading all of them in one pass per buffer into a flat table. The engine compiles
   * the keys its policies name when it is created.
   */
  compileKeys?(keys: readonly string[]): AttributeTableReader;
}

/** Reads a fixed, compiled list of attribute keys from KeyValueList buffers into a flat table. */
export interface AttributeTableReader {
  /**
   * Writes the value of keys[k] in `buf` to table[k * rows + row], for every key ordinal k: the
   * first occurrence, `{ empty: true }` allowed for a KeyValue without value. Slots of absent keys
   * are left as they are (callers pass a table whose slots are undefined). May throw on malformed
   * bytes, like `get`.
   */
  readRow(buf: Buffer, table: (AttrValue | undefined)[], row: number, rows: number): void;
  /**
   * Optional: readRow over the KeyValueList at buf[start, end), for spans that tell where their
   * attributes lie (see AttributeBounds) without creating a view of them.
   */
  readRowIn?(buf: Buffer, start: number, end: number, table: (AttrValue | undefined)[], row: number, rows: number): void;
}

/** Where a span's `attributes` bytes lie: buffer and range. */
export interface AttributeBounds {
  source: Buffer;
  start: number;
  end: number;
}

/**
 * What a span may offer besides TraceSpanView (as @tailstream/avro's lazily read spans do):
 * where its attributes lie, so a table reader with readRowIn reads them without a view.
 */
export interface AttributeBoundsShortcut {
  readAttributeBounds?(out: AttributeBounds): void;
}

/** The span fields policies read. */
export type TraceSpanView = Pick<
  SpanRecord,
  'statusCode' | 'startTimeUnixNano' | 'endTimeUnixNano' | 'attributes' | 'traceState' | 'flags' | 'resourceIndex'
>;

/** The resource fields policies read. */
export interface TraceResourceView {
  /** Protobuf encoding of an OTLP `KeyValueList`. */
  readonly attributes: Buffer;
}

/**
 * A complete trace as policies see it. @tailstream/assembly's DecidedTrace satisfies this
 * interface structurally (neither package imports the other).
 */
export interface TraceView {
  /** 16 bytes. */
  readonly traceId: Buffer;
  readonly spans: readonly TraceSpanView[];
  /** Resources the spans point at through `resourceIndex`. */
  readonly resources: readonly TraceResourceView[];
  readonly spanCount: number;
  /** Size estimate in bytes (bytes_limiting consumes it). */
  readonly bytes: number;
  /** Earliest span start, ns since epoch. */
  readonly startTimeUnixNano: bigint;
  /** Latest span end, ns since epoch. */
  readonly endTimeUnixNano: bigint;
  /** Earliest ingest receive time of the trace's batches, ns since epoch; 0n when unknown. */
  readonly receivedAtUnixNano: bigint;
}

import type { SpanBatch, SpanRecord } from '@tailstream/model';
import type { AttributeReader } from './attribute-reader';

/** Extra dimension values of one span, in configuration order (undefined = attribute absent). */
export interface ExtraDimensionValues {
  values: (string | undefined)[];
  /** Unambiguous encoding of `values` (length-prefixed), used as a map key. */
  key: string;
}

/**
 * Reads the configured extra dimensions of spans: the span attribute wins, else the resource
 * attribute of the span's resource, else the dimension is absent. Resource attributes are read at
 * most once per resource and batch, and only when a span lacks one of the keys.
 */
export class DimensionReader {
  private readonly keys: ReadonlySet<string>;
  private batch: SpanBatch | undefined;
  private resourceValues: (Map<string, string> | undefined)[] = [];

  constructor(
    private readonly names: readonly string[],
    private readonly reader: AttributeReader,
  ) {
    this.keys = new Set(names);
  }

  /** Starts reading spans of `batch` (drops the previous batch's resource cache). */
  beginBatch(batch: SpanBatch): void {
    this.batch = batch;
    this.resourceValues = [];
  }

  /** The extra dimension values of `span` (a span of the current batch). */
  read(span: SpanRecord): ExtraDimensionValues {
    const fromSpan = this.reader.getAttributes(span.attributes, this.keys);
    const values: (string | undefined)[] = new Array(this.names.length);
    let key = '';
    for (let i = 0; i < this.names.length; i++) {
      const name = this.names[i] as string;
      let v = fromSpan.get(name);
      if (v === undefined) v = this.resourceAttributes(span.resourceIndex).get(name);
      values[i] = v;
      key += v === undefined ? '-' : `${v.length}:${v}`;
    }
    return { values, key };
  }

  private resourceAttributes(index: number): Map<string, string> {
    let cached = this.resourceValues[index];
    if (cached === undefined) {
      const resource = this.batch?.resources[index];
      cached = resource === undefined ? new Map() : this.reader.getAttributes(resource.attributes, this.keys);
      this.resourceValues[index] = cached;
    }
    return cached;
  }
}

import { spanKindName, statusCodeName } from '@tailstream/model';

/** Span name of a service's overflow series (its extra dimensions are always empty). */
export const OVERFLOW_SPAN_NAME = '__overflow__';

/** One RED series: the dimensions a row is aggregated over (the time bucket aside). */
export interface Series {
  /** Dense id in order of first appearance within the registry (= within one partition epoch). */
  readonly id: number;
  readonly serviceName: string;
  readonly spanName: string;
  /** Exporter-compatible span kind, e.g. `Server`. */
  readonly spanKind: string;
  /** Exporter-compatible status code, e.g. `Error`. */
  readonly statusCode: string;
  /** Extra dimensions present on the span, in configuration order (frozen, shared by rows). */
  readonly dimensions: Readonly<Record<string, string>>;
  /** True for the overflow series `(service, __overflow__, kind, status)`. */
  readonly overflow: boolean;
}

const KINDS = 6;
const STATUSES = 3;
const SLOTS = KINDS * STATUSES;
const NO_DIMENSIONS: Readonly<Record<string, string>> = Object.freeze({});

/** Slot of a (kind, status) pair; unknown numbers share the slot of Unspecified / Unset, as their names do. */
function slotOf(kind: number, status: number): number {
  const k = kind >= 0 && kind < KINDS && Number.isInteger(kind) ? kind : 0;
  const s = status >= 0 && status < STATUSES && Number.isInteger(status) ? status : 0;
  return k * STATUSES + s;
}

type Slot = Series | Map<string, Series> | undefined;

interface ServiceEntry {
  admitted: number;
  byName: Map<string, Slot[]>;
  overflow: (Series | undefined)[];
}

/**
 * Maps span dimensions to series, enforcing the per-service cardinality limit: the first
 * `maxSeriesPerService` distinct series of a service are admitted; any further new series resolves
 * to the service's overflow series for the same kind and status (span name `__overflow__`, no extra
 * dimensions), which is not counted against the limit. Rejected keys are not remembered, so memory
 * stays bounded by services × (limit + 18) whatever the input cardinality.
 */
export class SeriesRegistry {
  private readonly services = new Map<string, ServiceEntry>();
  private nextId = 0;

  constructor(
    private readonly maxSeriesPerService: number,
    private readonly extraDimensionNames: readonly string[],
  ) {}

  /** Series count created so far (admitted and overflow). */
  get size(): number {
    return this.nextId;
  }

  /** Series of a span without extra dimensions configured. */
  resolve(service: string, name: string, kind: number, status: number): Series {
    const entry = this.serviceEntry(service);
    const slot = slotOf(kind, status);
    const slots = entry.byName.get(name);
    const found = slots?.[slot];
    if (found !== undefined) return found as Series;
    if (entry.admitted >= this.maxSeriesPerService) return this.overflowSeries(entry, service, slot);
    const series = this.create(service, name, slot, NO_DIMENSIONS, false);
    entry.admitted++;
    this.slotsFor(entry, name)[slot] = series;
    return series;
  }

  /** Series of a span with extra dimension values (`key` encodes `values` unambiguously). */
  resolveWithExtras(
    service: string,
    name: string,
    kind: number,
    status: number,
    values: readonly (string | undefined)[],
    key: string,
  ): Series {
    const entry = this.serviceEntry(service);
    const slot = slotOf(kind, status);
    const byExtras = entry.byName.get(name)?.[slot] as Map<string, Series> | undefined;
    const found = byExtras?.get(key);
    if (found !== undefined) return found;
    if (entry.admitted >= this.maxSeriesPerService) return this.overflowSeries(entry, service, slot);
    const dimensions: Record<string, string> = {};
    for (let i = 0; i < this.extraDimensionNames.length; i++) {
      const v = values[i];
      if (v !== undefined) dimensions[this.extraDimensionNames[i] as string] = v;
    }
    const series = this.create(service, name, slot, Object.freeze(dimensions), false);
    entry.admitted++;
    let map = byExtras;
    if (map === undefined) {
      map = new Map();
      this.slotsFor(entry, name)[slot] = map;
    }
    map.set(key, series);
    return series;
  }

  private serviceEntry(service: string): ServiceEntry {
    let entry = this.services.get(service);
    if (entry === undefined) {
      entry = { admitted: 0, byName: new Map(), overflow: new Array<Series | undefined>(SLOTS) };
      this.services.set(service, entry);
    }
    return entry;
  }

  private slotsFor(entry: ServiceEntry, name: string): Slot[] {
    let slots = entry.byName.get(name);
    if (slots === undefined) {
      slots = new Array<Slot>(SLOTS);
      entry.byName.set(name, slots);
    }
    return slots;
  }

  private overflowSeries(entry: ServiceEntry, service: string, slot: number): Series {
    let series = entry.overflow[slot];
    if (series === undefined) {
      series = this.create(service, OVERFLOW_SPAN_NAME, slot, NO_DIMENSIONS, true);
      entry.overflow[slot] = series;
    }
    return series;
  }

  private create(
    service: string,
    name: string,
    slot: number,
    dimensions: Readonly<Record<string, string>>,
    overflow: boolean,
  ): Series {
    return Object.freeze({
      id: this.nextId++,
      serviceName: service,
      spanName: name,
      spanKind: spanKindName(Math.floor(slot / STATUSES)),
      statusCode: statusCodeName(slot % STATUSES),
      dimensions,
      overflow,
    });
  }
}

import {
  isRootSpan,
  joinTimeHalves,
  readSpanTimes,
  spanIdKeyOf,
  timeHalvesBefore,
  type ResourceRecord,
  type ScopeRecord,
  type SpanBatch,
  type SpanRecord,
  type SpanTimes,
} from '@tailstream/model';
import type { DecidedTrace, DecisionReason } from './decided-trace';
import { indexOfOrAppend, sameResource, sameScope } from './record-merge';
import type { SpanCompactor } from './compact-span';
import { detachSpans, isInPlaceSpan, type SharedBufferPins } from './shared-buffers';
import { estimateSpanBytes } from './span-size';
import { SpanIdSet } from './span-id-set';

/** Scratch for readSpanTimes (merges never nest). */
const times: SpanTimes = { startHi: 0, startLo: 0, endHi: 0, endLo: 0 };
/** Scratch of merge(): the batch's resource and scope indexes mapped to the trace's (-1: not yet), reset per batch. */
const resourceMap: number[] = [];
const scopeMap: number[] = [];

/** Sets the first `n` slots of `map` to -1 (growing it as needed; slots past `n` are left as they are). */
function resetMap(map: number[], n: number): void {
  for (let i = 0; i < n; i++) map[i] = -1;
}

/** Result of merging one batch into a trace. */
export interface MergeResult {
  addedSpans: number;
  /** Growth of the trace's size estimate (`bytes`). */
  addedBytes: number;
  /** Growth of `ownBytes` (what the memory budget counts besides pinned shared buffers). */
  addedOwnBytes: number;
}

/**
 * One trace while it is buffered, and the DecidedTrace handed out once decided (the same
 * object: no copy at decision time). Fields are public for the buffer's use; consumers see
 * the read-only DecidedTrace view.
 */
export class AssemblingTrace implements DecidedTrace {
  readonly spans: SpanRecord[] = [];
  readonly resources: ResourceRecord[] = [];
  readonly scopes: ScopeRecord[] = [];
  /** Size estimate of the trace (per-trace limits, bytes_limiting). */
  bytes = 0;
  /**
   * What the memory budget counts for this trace besides the shared buffers it pins: a span read
   * in place counts its fixed overhead only (its buffer is pinned), any other span its estimate.
   */
  ownBytes = 0;
  /** Shared buffers that spans[detachedUpTo..] read in place, each pinned once in the budget. */
  readonly pinned: ArrayBufferLike[] = [];
  /** spans[0, detachedUpTo) read nothing in place (copied by detach(), or never shared). */
  detachedUpTo = 0;
  /** Buffer clock when the trace last went from pinning nothing to pinning a shared buffer. */
  pinnedSinceMs = 0;
  /** Earliest start and latest end of the spans, as readSpanTimes halves (no bigint per span). */
  private startHi = 0;
  private startLo = 0;
  private endHi = 0;
  private endLo = 0;
  receivedAtUnixNano = 0n;
  hasRoot = false;
  rootArrivalMs: number | undefined = undefined;
  lastArrivalMs: number;
  reason: DecisionReason = 'wait';
  decidedAtMs = -1;
  duplicateSpans = 0;
  /** Dropped once the trace is decided (no further merges). */
  private ids: SpanIdSet | undefined = new SpanIdSet();

  constructor(
    readonly traceId: Buffer,
    /** Map key of the trace in its buffer. */
    readonly key: string,
    readonly firstArrivalMs: number,
    public minOffset: bigint,
  ) {
    this.lastArrivalMs = firstArrivalMs;
  }

  get spanCount(): number {
    return this.spans.length;
  }

  /** Earliest span start, ns since epoch (0n while the trace holds no span). */
  get startTimeUnixNano(): bigint {
    return joinTimeHalves(this.startHi, this.startLo);
  }

  /** Latest span end, ns since epoch (0n while the trace holds no span). */
  get endTimeUnixNano(): bigint {
    return joinTimeHalves(this.endHi, this.endLo);
  }

  /**
   * Adds the batch's spans that are not held yet, remapping their resource/scope indexes to
   * this trace's merged records and compacting them (the span objects are taken over and
   * modified in place; their content stays the same).
   */
  merge(batch: SpanBatch, offset: bigint, nowMs: number, spanOverheadBytes: number, compactor: SpanCompactor, pins: SharedBufferPins): MergeResult {
    const ids = this.ids;
    if (ids === undefined) throw new Error('cannot merge into a decided trace');
    if (offset < this.minOffset) this.minOffset = offset;
    if (batch.receivedAtUnixNano > 0n && (this.receivedAtUnixNano === 0n || batch.receivedAtUnixNano < this.receivedAtUnixNano)) {
      this.receivedAtUnixNano = batch.receivedAtUnixNano;
    }
    resetMap(resourceMap, batch.resources.length);
    resetMap(scopeMap, batch.scopes.length);
    const bytesBefore = this.bytes;
    const ownBytesBefore = this.ownBytes;
    let addedSpans = 0;
    let spanBytes = 0;
    let ownBytes = 0;
    let lastShared: ArrayBufferLike | undefined;
    const spans = this.spans;
    for (const span of batch.spans) {
      const key = spanIdKeyOf(span);
      if (ids.has(spans, span, key)) {
        this.duplicateSpans++;
        continue;
      }
      span.resourceIndex = this.mapResource(batch, span.resourceIndex, resourceMap, compactor);
      span.scopeIndex = this.mapScope(batch, span.scopeIndex, scopeMap, compactor);
      compactor.compact(span);
      const estimate = estimateSpanBytes(span, spanOverheadBytes);
      spanBytes += estimate;
      if (isInPlaceSpan(span)) {
        ownBytes += spanOverheadBytes;
        const shared = span.source.buffer;
        if (shared !== lastShared) {
          this.pin(shared, pins, nowMs);
          lastShared = shared;
        }
      } else {
        ownBytes += estimate;
      }
      const t = times;
      readSpanTimes(span, t);
      if (spans.length === 0 || timeHalvesBefore(t.startHi, t.startLo, this.startHi, this.startLo)) {
        this.startHi = t.startHi;
        this.startLo = t.startLo;
      }
      if (spans.length === 0 || timeHalvesBefore(this.endHi, this.endLo, t.endHi, t.endLo)) {
        this.endHi = t.endHi;
        this.endLo = t.endLo;
      }
      if (!this.hasRoot && isRootSpan(span)) {
        this.hasRoot = true;
        this.rootArrivalMs = nowMs;
      }
      spans.push(span);
      ids.added(key);
      addedSpans++;
    }
    if (addedSpans > 0) this.lastArrivalMs = nowMs;
    this.bytes += spanBytes;
    this.ownBytes += ownBytes;
    if (this.pinned.length === 0) this.detachedUpTo = spans.length;
    return { addedSpans, addedBytes: this.bytes - bytesBefore, addedOwnBytes: this.ownBytes - ownBytesBefore };
  }

  /**
   * Copies the spans read in place into buffers of their own and unpins the shared buffers;
   * returns the growth of `ownBytes` (the bytes copied).
   */
  detach(pins: SharedBufferPins): number {
    const copied = detachSpans(this.spans, this.detachedUpTo, this.spans.length);
    this.detachedUpTo = this.spans.length;
    this.unpinAll(pins);
    this.ownBytes += copied;
    return copied;
  }

  /** Unpins every shared buffer, and tells the lifetime that nothing of the trace reads them any more (dropped or detached). */
  unpinAll(pins: SharedBufferPins): void {
    const lifetime = pins.lifetime;
    for (const buffer of this.pinned) {
      pins.unpin(buffer);
      lifetime?.release(buffer);
    }
    this.pinned.length = 0;
  }

  /**
   * Unpins every shared buffer from the budget when the trace is decided; its spans still read
   * them until the caller emitted it, so the lifetime hears of it only in releaseRead().
   */
  unpinDecided(pins: SharedBufferPins): void {
    for (const buffer of this.pinned) pins.unpin(buffer);
    if (pins.lifetime === undefined) this.pinned.length = 0;
  }

  /** After unpinDecided: the caller is done reading the spans (no-op without a lifetime, or when called again). */
  releaseRead(pins: SharedBufferPins): void {
    const lifetime = pins.lifetime;
    if (lifetime === undefined) return;
    for (const buffer of this.pinned) lifetime.release(buffer);
    this.pinned.length = 0;
  }

  private pin(buffer: ArrayBufferLike, pins: SharedBufferPins, nowMs: number): void {
    if (this.pinned.includes(buffer)) return;
    if (this.pinned.length === 0) this.pinnedSinceMs = nowMs;
    this.pinned.push(buffer);
    pins.pin(buffer);
    pins.lifetime?.retain(buffer);
  }

  /** Marks the trace decided and releases what only assembly needed. */
  decide(reason: DecisionReason, nowMs: number): void {
    this.reason = reason;
    this.decidedAtMs = nowMs;
    this.ids = undefined;
  }

  private mapResource(batch: SpanBatch, index: number, map: number[], compactor: SpanCompactor): number {
    // map's slots are this batch's only below resources.length (it is shared scratch)
    const known = index < batch.resources.length ? map[index] : undefined;
    if (known !== undefined && known >= 0) return known;
    const decoded = batch.resources[index];
    // A span pointing at a missing resource keeps an out-of-range index (readers fall back to
    // unknown_service); it must not be mistaken for another resource.
    if (decoded === undefined) return -1;
    const record = compactor.records.resource(decoded);
    const before = this.resources.length;
    const merged = indexOfOrAppend(this.resources, record, sameResource);
    if (this.resources.length > before) this.bytes += record.attributes.length;
    map[index] = merged;
    return merged;
  }

  private mapScope(batch: SpanBatch, index: number, map: number[], compactor: SpanCompactor): number {
    const known = index < batch.scopes.length ? map[index] : undefined;
    if (known !== undefined && known >= 0) return known;
    const decoded = batch.scopes[index];
    if (decoded === undefined) return -1;
    const record = compactor.records.scope(decoded);
    const before = this.scopes.length;
    const merged = indexOfOrAppend(this.scopes, record, sameScope);
    if (this.scopes.length > before) this.bytes += record.attributes.length;
    map[index] = merged;
    return merged;
  }
}

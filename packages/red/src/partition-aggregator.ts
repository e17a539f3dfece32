import { SpanKind, StatusCode, UNKNOWN_SERVICE, type SpanBatch, type SpanRecord } from '@tailstream/model';
import { timeBucketIndex, timeBucketStartNs } from './buckets';
import type { ResolvedRedConfig } from './config';
import { DimensionReader } from './dimensions';
import { DurationAccumulator, ExactSum, spanDurationNs } from './duration-stats';
import { RedError } from './errors';
import { idKey, PendingHalves, type SpanHalf } from './pending-halves';
import type { ConnectionType, EdgeRow, FlushReason, RedFlush, RedRow } from './rows';
import { SeriesRegistry, type Series } from './series-registry';
import { emptyRedStats, type PartitionState, type RedStats } from './stats';

type BucketTable = Map<number, Map<Series, DurationAccumulator>>;

// Module-level copies: reading them through the CommonJS re-export getters of @tailstream/model
// on every span costs a function call each.
const CLIENT = SpanKind.Client;
const SERVER = SpanKind.Server;
const PRODUCER = SpanKind.Producer;
const CONSUMER = SpanKind.Consumer;
const ERROR = StatusCode.Error;
const FALLBACK_SERVICE = UNKNOWN_SERVICE;

interface EdgeAccumulator {
  bucket: number;
  clientService: string;
  serverService: string;
  connectionType: ConnectionType;
  server: DurationAccumulator;
  clientSum: ExactSum;
}

/** Edge accumulators by bucket, client service, server service, then [direct, messaging]. */
type EdgeTable = Map<number, Map<string, Map<string, (EdgeAccumulator | undefined)[]>>>;

/**
 * The aggregation state machine of ONE partition. Everything that decides where a flush is cut and
 * what it holds depends only on the messages added since the current epoch began (their order,
 * offsets and span contents), never on wall-clock time, except flushAll which callers use at
 * shutdown, rebalance or idleness. See docs/red-metrics.md for the full argument.
 *
 * Epoch: the messages between two commit points. At its start all RED state is empty and the
 * watermark unset; it ends after `epochMaxMessages` messages or when `maxOpenRows` rows are held,
 * with a flush that drains everything. Within an epoch, a watermark flush emits the buckets the
 * watermark has closed, the late rows and the formed edges. Service-graph halves outlive epochs.
 */
export class PartitionAggregator {
  private readonly stats: RedStats = emptyRedStats();
  private readonly pending: PendingHalves;
  private readonly dimensions: DimensionReader | undefined;
  private readonly ready: RedFlush[] = [];

  // Offsets.
  private epochStart: bigint | undefined;
  private flushFrom: bigint | undefined;
  private lastOffset: bigint | undefined;
  private messagesInEpoch = 0;

  // Epoch-local event time.
  private maxStartNs: bigint | undefined;
  private closedBelow = Number.NEGATIVE_INFINITY;
  private lastExpiryScanNs: bigint | undefined;

  // Epoch-local RED state.
  private registry: SeriesRegistry;
  private readonly open: BucketTable = new Map();
  private readonly late: BucketTable = new Map();
  private openRows = 0;
  private readonly edgeTable: EdgeTable = new Map();
  /** Edge accumulators in creation order (the emission order). */
  private readonly edges: EdgeAccumulator[] = [];

  // The last bucket looked up (consecutive spans usually share it): [start, end) and index.
  private cachedBucketStart = 1n;
  private cachedBucketEnd = 0n;
  private cachedBucketIndex = 0;

  constructor(
    readonly partition: number,
    private readonly config: ResolvedRedConfig,
    startOffset?: bigint,
  ) {
    this.pending = new PendingHalves(config.maxPendingHalves);
    this.registry = new SeriesRegistry(config.maxSeriesPerService, config.extraDimensions);
    if (config.extraDimensions.length > 0 && config.attributeReader !== undefined) {
      this.dimensions = new DimensionReader(config.extraDimensions, config.attributeReader);
    }
    if (startOffset !== undefined) {
      this.epochStart = startOffset;
      this.flushFrom = startOffset;
    }
  }

  /** Aggregates the spans of the message at `offset` (offsets must increase). */
  add(offset: bigint, batch: SpanBatch): void {
    this.advanceTo(offset);
    this.aggregate(batch, this.epochStart as bigint);
    this.afterMessage(offset);
  }

  /** Records that the message at `offset` carried nothing to aggregate (e.g. it went to the DLQ). */
  skip(offset: bigint): void {
    this.advanceTo(offset);
    this.stats.skippedMessages++;
    this.afterMessage(offset);
  }

  /** The last offset added or skipped (undefined before the first). */
  lastHandled(): bigint | undefined {
    return this.lastOffset;
  }

  /** Takes the flushes cut so far, oldest first. */
  takeReady(): RedFlush[] {
    return this.ready.splice(0, this.ready.length);
  }

  /**
   * Flushes everything: all rows and edges, and drops the unpaired halves (counted) so that the
   * commit point can move to the next offset. Ends the epoch. Returns all flushes not yet taken.
   */
  flushAll(): RedFlush[] {
    this.pending.dropAll();
    if (this.flushFrom === undefined) return this.takeReady();
    const hasState = this.openRows > 0 || this.edges.length > 0;
    const hasMessages = this.lastOffset !== undefined && this.flushFrom <= this.lastOffset;
    if (hasMessages || hasState) this.cut('flush-all', true);
    else this.startEpoch(this.flushFrom);
    return this.takeReady();
  }

  /** Offset safe to commit once every flush taken so far is acknowledged (undefined before any input). */
  safeCommitOffset(): bigint | undefined {
    if (this.epochStart === undefined) return undefined;
    const oldest = this.pending.oldestEpochStart();
    return oldest !== undefined && oldest < this.epochStart ? oldest : this.epochStart;
  }

  /** Counters of this partition (graph counters included). */
  statsSnapshot(): RedStats {
    const c = this.pending.counters;
    return {
      ...this.stats,
      pairs: c.pairs,
      expiredHalves: c.expired,
      evictedHalves: c.evicted,
      droppedHalves: c.dropped,
      duplicateHalves: c.duplicates,
    };
  }

  /** Gauges of this partition. */
  state(): PartitionState {
    return {
      epochStart: this.epochStart,
      lastOffset: this.lastOffset,
      watermarkNs: this.maxStartNs === undefined ? undefined : this.maxStartNs - this.config.allowedLatenessNs,
      openRows: this.openRows,
      openEdges: this.edges.length,
      pendingHalves: this.pending.size,
      readyFlushes: this.ready.length,
    };
  }

  private advanceTo(offset: bigint): void {
    const lowest = this.lastOffset !== undefined ? this.lastOffset + 1n : this.epochStart;
    if (lowest !== undefined && offset < lowest) {
      throw new RedError(
        'RED_OFFSET_NOT_INCREASING',
        `red: partition ${this.partition} got offset ${offset} after ${this.lastOffset ?? this.epochStart}`,
        { partition: this.partition, offset, lastOffset: this.lastOffset, epochStart: this.epochStart },
      );
    }
    if (this.epochStart === undefined) {
      this.epochStart = offset;
      this.flushFrom = offset;
    }
  }

  private aggregate(batch: SpanBatch, epochStart: bigint): void {
    const config = this.config;
    const widthNs = config.bucketWidthNs;
    const resources = batch.resources;
    const dimensions = this.dimensions;
    if (dimensions !== undefined) dimensions.beginBatch(batch);
    const graph = config.serviceGraphEnabled;
    let traceKey: string | undefined;
    const spans = batch.spans;
    for (let i = 0; i < spans.length; i++) {
      const span = spans[i] as SpanRecord;
      const start = span.startTimeUnixNano;
      let bucket: number;
      if (start >= this.cachedBucketStart && start < this.cachedBucketEnd) {
        bucket = this.cachedBucketIndex;
      } else {
        bucket = timeBucketIndex(start, widthNs);
        this.cachedBucketIndex = bucket;
        this.cachedBucketStart = timeBucketStartNs(bucket, widthNs);
        this.cachedBucketEnd = this.cachedBucketStart + widthNs;
      }
      if (this.maxStartNs === undefined || start > this.maxStartNs) this.maxStartNs = start;
      const durationNs = spanDurationNs(start, span.endTimeUnixNano);
      const isError = span.statusCode === ERROR;
      const service = resources[span.resourceIndex]?.serviceName ?? FALLBACK_SERVICE;

      let series: Series;
      if (dimensions === undefined) {
        series = this.registry.resolve(service, span.name, span.kind, span.statusCode);
      } else {
        const extra = dimensions.read(span);
        series = this.registry.resolveWithExtras(service, span.name, span.kind, span.statusCode, extra.values, extra.key);
      }
      if (series.overflow) this.stats.overflowSpans++;

      const isLate = bucket < this.closedBelow;
      if (isLate) this.stats.lateSpans++;
      const table = isLate ? this.late : this.open;
      let rows = table.get(bucket);
      if (rows === undefined) {
        rows = new Map();
        table.set(bucket, rows);
      }
      let acc = rows.get(series);
      if (acc === undefined) {
        acc = new DurationAccumulator(config.histogramBoundsNs, config.sketch);
        rows.set(series, acc);
        this.openRows++;
      }
      acc.record(durationNs, isError);

      if (graph) {
        const kind = span.kind;
        if (kind === CLIENT || kind === PRODUCER) {
          traceKey ??= idKey(batch.traceId);
          const half = this.half(traceKey + idKey(span.spanId), true, service, span, bucket, durationNs, isError, epochStart);
          const partner = this.pending.offer(half);
          if (partner !== undefined) this.recordEdge(half, partner);
        } else if ((kind === SERVER || kind === CONSUMER) && span.parentSpanId.length > 0) {
          traceKey ??= idKey(batch.traceId);
          const half = this.half(traceKey + idKey(span.parentSpanId), false, service, span, bucket, durationNs, isError, epochStart);
          const partner = this.pending.offer(half);
          if (partner !== undefined) this.recordEdge(partner, half);
        }
      }
    }
    this.stats.spans += spans.length;
  }

  private half(
    key: string,
    isClient: boolean,
    service: string,
    span: SpanRecord,
    bucket: number,
    durationNs: number,
    isError: boolean,
    epochStart: bigint,
  ): SpanHalf {
    return {
      key,
      isClient,
      service,
      kind: span.kind,
      bucket,
      durationNs,
      isError,
      endNs: durationNs > 0 ? span.endTimeUnixNano : span.startTimeUnixNano,
      epochStart,
    };
  }

  private recordEdge(client: SpanHalf, server: SpanHalf): void {
    if (client.service === server.service) {
      this.stats.selfPairs++;
      return;
    }
    const bucket = client.bucket;
    const messaging =
      client.kind === PRODUCER || client.kind === CONSUMER || server.kind === PRODUCER || server.kind === CONSUMER;
    let byClient = this.edgeTable.get(bucket);
    if (byClient === undefined) {
      byClient = new Map();
      this.edgeTable.set(bucket, byClient);
    }
    let byServer = byClient.get(client.service);
    if (byServer === undefined) {
      byServer = new Map();
      byClient.set(client.service, byServer);
    }
    let byType = byServer.get(server.service);
    if (byType === undefined) {
      byType = [undefined, undefined];
      byServer.set(server.service, byType);
    }
    const typeIndex = messaging ? 1 : 0;
    let edge = byType[typeIndex];
    if (edge === undefined) {
      edge = {
        bucket,
        clientService: client.service,
        serverService: server.service,
        connectionType: messaging ? 'messaging_system' : '',
        server: new DurationAccumulator(this.config.histogramBoundsNs, this.config.sketch),
        clientSum: new ExactSum(),
      };
      byType[typeIndex] = edge;
      this.edges.push(edge);
    }
    edge.server.record(server.durationNs, client.isError || server.isError);
    edge.clientSum.add(client.durationNs);
  }

  private afterMessage(offset: bigint): void {
    this.lastOffset = offset;
    this.messagesInEpoch++;
    this.stats.messages++;
    const config = this.config;
    const clock = this.maxStartNs;
    if (clock !== undefined && config.serviceGraphEnabled) {
      if (this.lastExpiryScanNs === undefined || clock - this.lastExpiryScanNs >= config.expiryScanIntervalNs) {
        this.pending.expire(clock - config.pairingTtlNs);
        this.lastExpiryScanNs = clock;
      }
    }
    let closing = false;
    if (clock !== undefined) {
      const watermarkBucket = timeBucketIndex(clock - config.allowedLatenessNs, config.bucketWidthNs);
      if (watermarkBucket > this.closedBelow) {
        this.closedBelow = watermarkBucket;
        for (const bucket of this.open.keys()) {
          if (bucket < watermarkBucket) {
            closing = true;
            break;
          }
        }
      }
    }
    if (this.messagesInEpoch >= config.epochMaxMessages) this.cut('epoch-messages', true);
    else if (this.openRows >= config.maxOpenRows) this.cut('max-open-rows', true);
    else if (closing) this.cut('watermark', false);
  }

  /** Cuts a flush covering the messages since the previous one; drains the epoch when endsEpoch. */
  private cut(reason: FlushReason, endsEpoch: boolean): void {
    const config = this.config;
    const rows: RedRow[] = [];
    const openBuckets = [...this.open.keys()].sort((a, b) => a - b);
    for (const bucket of openBuckets) {
      if (!endsEpoch && bucket >= this.closedBelow) break;
      this.emitBucket(rows, bucket, this.open.get(bucket) as Map<Series, DurationAccumulator>, false);
      this.open.delete(bucket);
    }
    let lateRows = 0;
    const lateBuckets = [...this.late.keys()].sort((a, b) => a - b);
    for (const bucket of lateBuckets) {
      const before = rows.length;
      this.emitBucket(rows, bucket, this.late.get(bucket) as Map<Series, DurationAccumulator>, true);
      lateRows += rows.length - before;
    }
    this.late.clear();
    this.openRows -= rows.length;

    const edges: EdgeRow[] = [];
    for (const edge of this.edges) {
      edges.push({
        ...this.bucketFields(edge.bucket),
        clientService: edge.clientService,
        serverService: edge.serverService,
        connectionType: edge.connectionType,
        ...edge.server.snapshot(),
        clientDurationSumNano: edge.clientSum.total(),
      });
    }
    this.edges.length = 0;
    this.edgeTable.clear();

    const fromOffset = this.flushFrom as bigint;
    const toOffset = this.lastOffset ?? fromOffset - 1n;
    const next = toOffset + 1n;
    this.flushFrom = next;
    if (endsEpoch) this.startEpoch(next);
    const epochStart = this.epochStart as bigint;
    const oldest = this.pending.oldestEpochStart();
    const commitOffset = oldest !== undefined && oldest < epochStart ? oldest : epochStart;

    this.stats.flushes++;
    this.stats.rowsEmitted += rows.length;
    this.stats.lateRowsEmitted += lateRows;
    this.stats.edgesEmitted += edges.length;
    this.ready.push({
      partition: this.partition,
      fromOffset,
      toOffset,
      reason,
      endsEpoch,
      rows,
      edges,
      dedupToken: `${config.tokenPrefix}:${this.partition}:${fromOffset}-${toOffset}`,
      commitOffset,
    });
  }

  private emitBucket(out: RedRow[], bucket: number, rows: Map<Series, DurationAccumulator>, late: boolean): void {
    const bucketFields = this.bucketFields(bucket);
    for (const [series, acc] of rows) {
      out.push({
        ...bucketFields,
        serviceName: series.serviceName,
        spanName: series.spanName,
        spanKind: series.spanKind,
        statusCode: series.statusCode,
        dimensions: series.dimensions,
        late,
        overflow: series.overflow,
        ...acc.snapshot(),
      });
    }
  }

  private bucketFields(bucket: number): Pick<RedRow, 'bucketStartUnixNano' | 'bucketStartUnixSec' | 'bucketSeconds' | 'bucketBoundsMs'> {
    const config = this.config;
    return {
      bucketStartUnixNano: timeBucketStartNs(bucket, config.bucketWidthNs),
      bucketStartUnixSec: bucket * config.bucketSeconds,
      bucketSeconds: config.bucketSeconds,
      bucketBoundsMs: config.histogramBoundsMs,
    };
  }

  /** Resets the epoch-local state; the new epoch starts at `offset`. */
  private startEpoch(offset: bigint): void {
    this.epochStart = offset;
    this.messagesInEpoch = 0;
    this.maxStartNs = undefined;
    this.closedBelow = Number.NEGATIVE_INFINITY;
    this.lastExpiryScanNs = undefined;
    this.registry = new SeriesRegistry(this.config.maxSeriesPerService, this.config.extraDimensions);
    this.open.clear();
    this.late.clear();
    this.openRows = 0;
  }
}

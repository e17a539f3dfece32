import type { AttributeReader } from './attribute-reader';
import { RedError } from './errors';
import { DEFAULT_HISTOGRAM_BOUNDS_MS, histogramBoundsToNanos } from './histogram';
import { SketchMapping } from './sketch';

/**
 * Options of the RED aggregator. Every option that decides WHERE flushes are cut (bucket width,
 * lateness, epoch size, open-row limit, series limit, pairing TTL) must stay the same between a run
 * and its replay: change them only after a graceful shutdown (see docs/red-metrics.md).
 */
export interface RedConfig {
  /** Width of the event-time buckets, whole seconds. Default 60. */
  bucketSeconds?: number;
  /** How far the watermark trails the latest span start seen, whole seconds. Default 2 × bucketSeconds. */
  allowedLatenessSeconds?: number;
  /** Explicit histogram bounds, ms, strictly increasing. Default: the OTel spanmetrics connector's. */
  histogramBoundsMs?: readonly number[];
  /** Relative accuracy α of the quantile sketch, in (0, 0.5]. Default 0.01 (1 %). */
  sketchRelativeAccuracy?: number;
  /** Longest bin range of one quantile sketch (memory bound per row: 4 bytes a bin). Default 1024. */
  sketchMaxBins?: number;
  /** Extra dimensions: span attribute keys (falling back to resource attributes), e.g. `http.route`. */
  extraDimensions?: readonly string[];
  /** Reads the extra dimensions from OTLP `KeyValueList` bytes; required when extraDimensions is set. */
  attributeReader?: AttributeReader;
  /** Distinct series per service (per partition and epoch) before new series fold into overflow. Default 1000. */
  maxSeriesPerService?: number;
  /** Messages per epoch: after this many, everything is flushed and the commit point advances. Default 20000. */
  epochMaxMessages?: number;
  /** Open rows (open buckets + late rows) of a partition that end the epoch early. Default 20000. */
  maxOpenRows?: number;
  /** Service-graph pairing of client/server and producer/consumer spans. Default enabled. */
  serviceGraph?: {
    enabled?: boolean;
    /** An unpaired half expires once the partition's clock passes its end by this much (event time). Default 10. */
    pairingTtlSeconds?: number;
    /** Unpaired halves kept per partition; beyond it the oldest is evicted. Default 50000. */
    maxPendingHalves?: number;
    /** Event-time interval between expiry scans, ms. Default 1000. */
    expiryScanIntervalMs?: number;
  };
  /** Prefix of the insert deduplication tokens, e.g. the topic name. Default `red`. */
  tokenPrefix?: string;
}

/** The configuration with defaults applied and units converted. */
export interface ResolvedRedConfig {
  bucketSeconds: number;
  bucketWidthNs: bigint;
  allowedLatenessNs: bigint;
  histogramBoundsMs: readonly number[];
  histogramBoundsNs: Float64Array;
  sketch: SketchMapping;
  extraDimensions: readonly string[];
  attributeReader: AttributeReader | undefined;
  maxSeriesPerService: number;
  epochMaxMessages: number;
  maxOpenRows: number;
  serviceGraphEnabled: boolean;
  pairingTtlNs: bigint;
  maxPendingHalves: number;
  expiryScanIntervalNs: bigint;
  tokenPrefix: string;
}

function invalid(field: string, message: string, value: unknown): never {
  throw new RedError('RED_CONFIG_INVALID', `red config: ${field} ${message} (got ${String(value)})`, { field, value });
}

function positiveInteger(field: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 1) invalid(field, 'must be a positive integer', v);
  return v;
}

/** Applies defaults and validates; throws RedError(RED_CONFIG_INVALID) naming the bad field. */
export function resolveRedConfig(config: RedConfig = {}): ResolvedRedConfig {
  const bucketSeconds = positiveInteger('bucketSeconds', config.bucketSeconds, 60);
  const latenessSeconds = config.allowedLatenessSeconds ?? 2 * bucketSeconds;
  if (!Number.isSafeInteger(latenessSeconds) || latenessSeconds < 0) {
    invalid('allowedLatenessSeconds', 'must be a non-negative integer', latenessSeconds);
  }
  const histogramBoundsMs = Object.freeze([...(config.histogramBoundsMs ?? DEFAULT_HISTOGRAM_BOUNDS_MS)]);
  const histogramBoundsNs = histogramBoundsToNanos(histogramBoundsMs);
  if (typeof histogramBoundsNs === 'string') invalid('histogramBoundsMs', histogramBoundsNs, histogramBoundsMs);
  const alpha = config.sketchRelativeAccuracy ?? 0.01;
  if (!(alpha > 0 && alpha <= 0.5)) invalid('sketchRelativeAccuracy', 'must be in (0, 0.5]', alpha);
  const maxBins = positiveInteger('sketchMaxBins', config.sketchMaxBins, 1024);
  const extraDimensions = Object.freeze([...(config.extraDimensions ?? [])]);
  if (new Set(extraDimensions).size !== extraDimensions.length) {
    invalid('extraDimensions', 'must not repeat a key', extraDimensions);
  }
  if (extraDimensions.some((d) => d.length === 0)) invalid('extraDimensions', 'must not hold an empty key', extraDimensions);
  if (extraDimensions.length > 0 && config.attributeReader === undefined) {
    invalid('attributeReader', 'is required when extraDimensions is set', undefined);
  }
  const graph = config.serviceGraph ?? {};
  const ttlSeconds = graph.pairingTtlSeconds ?? 10;
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 0) {
    invalid('serviceGraph.pairingTtlSeconds', 'must be a non-negative integer', ttlSeconds);
  }
  const tokenPrefix = config.tokenPrefix ?? 'red';
  if (tokenPrefix.length === 0 || tokenPrefix.includes(':')) invalid('tokenPrefix', 'must be non-empty without ":"', tokenPrefix);
  return {
    bucketSeconds,
    bucketWidthNs: BigInt(bucketSeconds) * 1_000_000_000n,
    allowedLatenessNs: BigInt(latenessSeconds) * 1_000_000_000n,
    histogramBoundsMs,
    histogramBoundsNs,
    sketch: new SketchMapping(alpha, maxBins),
    extraDimensions,
    attributeReader: config.attributeReader,
    maxSeriesPerService: positiveInteger('maxSeriesPerService', config.maxSeriesPerService, 1000),
    epochMaxMessages: positiveInteger('epochMaxMessages', config.epochMaxMessages, 20_000),
    maxOpenRows: positiveInteger('maxOpenRows', config.maxOpenRows, 20_000),
    serviceGraphEnabled: graph.enabled ?? true,
    pairingTtlNs: BigInt(ttlSeconds) * 1_000_000_000n,
    maxPendingHalves: positiveInteger('serviceGraph.maxPendingHalves', graph.maxPendingHalves, 50_000),
    expiryScanIntervalNs:
      BigInt(positiveInteger('serviceGraph.expiryScanIntervalMs', graph.expiryScanIntervalMs, 1000)) * 1_000_000n,
    tokenPrefix,
  };
}

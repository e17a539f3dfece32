import { Decision } from '../decision';
import type { EvalContext } from '../eval-context';
import type { ProbabilisticConfig } from '../policy-config';
import type { Evaluator } from './evaluator';
import { Fnv1a64 } from './fnv1a64';

/** The salt OTel uses when `hash_salt` is empty. */
export const DEFAULT_HASH_SALT = 'default-hash-seed';

const MAX_UINT64 = (1n << 64n) - 1n;

/**
 * `probabilistic`: keeps a trace when FNV-1a-64(salt bytes ‖ 16 trace-ID bytes) <= threshold,
 * threshold = floor((2^64 − 1) × percentage / 100) computed as OTel does (64-bit mantissa,
 * round half to even, then truncation), so the same trace IDs are kept as by an OpenTelemetry
 * Collector with the same salt and percentage. A pure function of the trace ID: every replica
 * and every replay agrees. 0 % keeps nothing; >= 100 % keeps everything.
 */
export class Probabilistic implements Evaluator {
  readonly name: string;
  readonly salt: string;
  readonly percentage: number;
  private readonly seeded: Fnv1a64;
  private readonly thresholdHigh: number;
  private readonly thresholdLow: number;
  private readonly never: boolean;

  constructor(config: ProbabilisticConfig) {
    this.name = config.name;
    this.salt = config.hashSalt === undefined || config.hashSalt === '' ? DEFAULT_HASH_SALT : config.hashSalt;
    this.percentage = config.samplingPercentage;
    this.seeded = new Fnv1a64().update(Buffer.from(this.salt, 'utf8'));
    const threshold = probabilityThreshold(this.percentage / 100);
    this.never = this.percentage <= 0;
    this.thresholdHigh = Number(threshold >> 32n);
    this.thresholdLow = Number(threshold & 0xffffffffn);
  }

  evaluate(ctx: EvalContext): Decision {
    return this.keeps(ctx.trace.traceId) ? Decision.Sampled : Decision.NotSampled;
  }

  /** The decision for a trace ID alone. */
  keeps(traceId: Uint8Array): boolean {
    if (this.never) return false;
    const hash = this.seeded.clone().update(traceId);
    const high = hash.high();
    return high < this.thresholdHigh || (high === this.thresholdHigh && hash.low() <= this.thresholdLow);
  }

  adjustedCount(): number {
    return adjustedCountFor(this.percentage);
  }

  collectAttributeKeys(): void {}
}

/** 100 / percentage, at least 1. */
export function adjustedCountFor(percentage: number): number {
  return percentage >= 100 ? 1 : percentage > 0 ? 100 / percentage : 1;
}

/**
 * floor(ratio × (2^64 − 1)) the way Go's big.Float computes it in OTel: the exact product is
 * rounded to a 64-bit mantissa (nearest, ties to even), then truncated to an integer, capped
 * at 2^64 − 1.
 */
export function probabilityThreshold(ratio: number): bigint {
  if (!(ratio > 0)) return 0n;
  if (ratio >= 1) return MAX_UINT64;
  const { mantissa, exponent } = decompose(ratio);
  let product = MAX_UINT64 * mantissa;
  const bits = product.toString(2).length;
  let shift = 0n;
  if (bits > 64) {
    shift = BigInt(bits - 64);
    const rest = product & ((1n << shift) - 1n);
    const half = 1n << (shift - 1n);
    product >>= shift;
    if (rest > half || (rest === half && (product & 1n) === 1n)) product += 1n;
  }
  const scale = shift + exponent; // value = product × 2^scale
  const value = scale >= 0n ? product << scale : product >> -scale;
  return value > MAX_UINT64 ? MAX_UINT64 : value;
}

/** A finite positive double as mantissa × 2^exponent with an integer mantissa. */
function decompose(x: number): { mantissa: bigint; exponent: bigint } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const rawExponent = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  if (rawExponent === 0) return { mantissa: fraction, exponent: -1074n };
  return { mantissa: fraction | (1n << 52n), exponent: BigInt(rawExponent - 1075) };
}

import { Decision } from '../decision';
import type { EvalContext } from '../eval-context';
import type { BytesLimitingConfig, RateLimitingConfig } from '../policy-config';
import type { Evaluator } from './evaluator';
import { TokenBucket, nsToSeconds } from './token-bucket';

/**
 * `rate_limiting`: a token bucket of spans refilled at spans_per_second, holding at most
 * 2 × spans_per_second (as OTel's current implementation); a trace is kept when its span
 * count can be taken from the bucket. The clock is the trace's data time (EvalContext.dataTimeNs).
 */
export class RateLimiting implements Evaluator {
  readonly name: string;
  private readonly bucket: TokenBucket;

  constructor(config: RateLimitingConfig) {
    this.name = config.name;
    this.bucket = new TokenBucket(config.spansPerSecond, 2 * config.spansPerSecond);
  }

  evaluate(ctx: EvalContext): Decision {
    return this.bucket.take(ctx.trace.spanCount, nsToSeconds(ctx.dataTimeNs())) ? Decision.Sampled : Decision.NotSampled;
  }

  adjustedCount(): number {
    return 1;
  }

  collectAttributeKeys(): void {}
}

/**
 * `bytes_limiting`: a token bucket of bytes refilled at bytes_per_second, holding
 * burst_capacity (default 2 × bytes_per_second); a trace is kept when its size estimate can be
 * taken from the bucket, so a trace larger than the burst never passes. Data-time clock.
 */
export class BytesLimiting implements Evaluator {
  readonly name: string;
  private readonly bucket: TokenBucket;

  constructor(config: BytesLimitingConfig) {
    this.name = config.name;
    this.bucket = new TokenBucket(config.bytesPerSecond, config.burstCapacity ?? 2 * config.bytesPerSecond);
  }

  evaluate(ctx: EvalContext): Decision {
    return this.bucket.take(ctx.trace.bytes, nsToSeconds(ctx.dataTimeNs())) ? Decision.Sampled : Decision.NotSampled;
  }

  adjustedCount(): number {
    return 1;
  }

  collectAttributeKeys(): void {}
}

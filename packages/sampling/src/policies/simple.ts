import { StatusCode } from '@tailstream/model';
import { Decision } from '../decision';
import type { EvalContext } from '../eval-context';
import type { LatencyConfig, SpanCountConfig, StatusCodeConfig, StatusCodeName } from '../policy-config';
import type { Evaluator } from './evaluator';

/** Base for policies that keep every matching trace and read no attributes. */
abstract class KeepAllPolicy implements Evaluator {
  constructor(readonly name: string) {}
  abstract evaluate(ctx: EvalContext): Decision;
  adjustedCount(): number {
    return 1;
  }
  collectAttributeKeys(): void {}
}

/** `always_sample`: every trace. */
export class AlwaysSample extends KeepAllPolicy {
  evaluate(): Decision {
    return Decision.Sampled;
  }
}

/**
 * `latency`: trace duration (latest end − earliest start, whole ms) >= threshold_ms; with
 * upper_threshold_ms: threshold_ms < duration <= upper_threshold_ms (OTel's bounds).
 */
export class Latency extends KeepAllPolicy {
  constructor(private readonly config: LatencyConfig) {
    super(config.name);
  }
  evaluate(ctx: EvalContext): Decision {
    const ms = ctx.durationMs();
    const { thresholdMs, upperThresholdMs } = this.config;
    const hit = upperThresholdMs === undefined || upperThresholdMs === 0 ? ms >= thresholdMs : thresholdMs < ms && ms <= upperThresholdMs;
    return hit ? Decision.Sampled : Decision.NotSampled;
  }
}

const STATUS_BY_NAME: Record<StatusCodeName, StatusCode> = { OK: StatusCode.Ok, ERROR: StatusCode.Error, UNSET: StatusCode.Unset };

/** `status_code`: some span has one of the listed status codes. */
export class StatusCodeFilter extends KeepAllPolicy {
  private readonly codes: ReadonlySet<number>;
  constructor(config: StatusCodeConfig) {
    super(config.name);
    this.codes = new Set(config.statusCodes.map((c) => STATUS_BY_NAME[c]));
  }
  evaluate(ctx: EvalContext): Decision {
    for (const span of ctx.trace.spans) if (this.codes.has(span.statusCode)) return Decision.Sampled;
    return Decision.NotSampled;
  }
}

/** `span_count`: min_spans <= span count (<= max_spans when set). */
export class SpanCount extends KeepAllPolicy {
  constructor(private readonly config: SpanCountConfig) {
    super(config.name);
  }
  evaluate(ctx: EvalContext): Decision {
    const n = ctx.trace.spanCount;
    const { minSpans, maxSpans } = this.config;
    return n >= minSpans && (maxSpans === undefined || maxSpans === 0 || n <= maxSpans) ? Decision.Sampled : Decision.NotSampled;
  }
}

/** `trace_flags`: some span has the W3C sampled flag set. */
export class TraceFlags extends KeepAllPolicy {
  evaluate(ctx: EvalContext): Decision {
    for (const span of ctx.trace.spans) if ((span.flags & 0x01) !== 0) return Decision.Sampled;
    return Decision.NotSampled;
  }
}

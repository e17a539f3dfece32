import { Decision } from '../decision';
import type { EvalContext } from '../eval-context';
import type { TraceStateConfig } from '../policy-config';
import type { Evaluator } from './evaluator';

/** W3C limit: a list member `key=value` is at most 256 characters. */
const MAX_MEMBER_LENGTH = 256;

/**
 * `trace_state`: some span's W3C trace state has `key` with one of the values (exact match).
 * Values too long to be valid members are ignored, and a trace state that is not a valid list
 * matches nothing, as in OTel.
 */
export class TraceStateFilter implements Evaluator {
  readonly name: string;
  private readonly key: string;
  private readonly values: ReadonlySet<string>;

  constructor(config: TraceStateConfig) {
    this.name = config.name;
    this.key = config.key;
    this.values = new Set(config.values.filter((v) => v !== '' && config.key.length + v.length < MAX_MEMBER_LENGTH));
  }

  evaluate(ctx: EvalContext): Decision {
    for (const span of ctx.trace.spans) {
      if (span.traceState === '') continue;
      const value = traceStateValue(span.traceState, this.key);
      if (value !== undefined && this.values.has(value)) return Decision.Sampled;
    }
    return Decision.NotSampled;
  }

  adjustedCount(): number {
    return 1;
  }

  collectAttributeKeys(): void {}
}

/** Value of `key` in a W3C `tracestate` header; undefined when absent or when the header is malformed. */
export function traceStateValue(header: string, key: string): string | undefined {
  let found: string | undefined;
  for (const raw of header.split(',')) {
    const member = raw.trim();
    if (member === '') continue;
    const eq = member.indexOf('=');
    if (eq <= 0 || eq === member.length - 1 || member.length > MAX_MEMBER_LENGTH) return undefined;
    if (found === undefined && member.slice(0, eq) === key) found = member.slice(eq + 1);
  }
  return found;
}

import { compilePolicy } from './compile';
import { Decision } from './decision';
import type { EvalContext } from './eval-context';
import type { PolicyConfig } from './policy-config';
import type { Evaluator } from './policies/evaluator';

/** The outcome of a policy set for one trace. */
export interface PolicyOutcome {
  sampled: boolean;
  /**
   * The deciding policy: the first policy (configured order) that sampled when kept; the
   * vetoing `drop` or inverted policy when vetoed; `""` when nothing matched.
   */
  policy: string;
  /** How many traces this kept trace stands for (see Evaluator.adjustedCount); 0 when not kept. */
  adjustedCount: number;
  /** Policies that voted to sample (plain or inverted), in configured order. */
  matched: string[];
  /** Policies whose evaluation threw (their vote is ignored). */
  errors: string[];
}

/** Called for every policy evaluation that threw. */
export type EvaluationErrorHandler = (policy: string, error: unknown) => void;

/**
 * A compiled list of policies combined with the OpenTelemetry Collector's rules:
 * 1. `drop` policies run first; the first Dropped vote vetoes the trace (nothing else runs).
 * 2. The other policies run in configured order (all of them, unless sampleOnFirstMatch stops
 *    at the first Sampled vote).
 * 3. Any InvertNotSampled vote (a matching `invert_match` policy) → not sampled.
 * 4. Else any Sampled vote → sampled; the first such policy decides.
 * 5. Else an InvertSampled vote and no NotSampled vote → sampled by the first InvertSampled.
 * 6. Else not sampled.
 * A policy that throws is counted, reported and ignored (neither vote nor veto).
 */
export class PolicySet {
  private readonly drops: Evaluator[];
  private readonly others: Evaluator[];
  readonly attributeKeys: ReadonlySet<string>;
  evaluationErrors = 0;

  constructor(
    policies: readonly PolicyConfig[],
    private readonly sampleOnFirstMatch: boolean,
    private readonly onError: EvaluationErrorHandler | undefined,
  ) {
    const compiled = policies.map((p) => ({ type: p.type, evaluator: compilePolicy(p) }));
    this.drops = compiled.filter((c) => c.type === 'drop').map((c) => c.evaluator);
    this.others = compiled.filter((c) => c.type !== 'drop').map((c) => c.evaluator);
    const keys = new Set<string>();
    for (const c of compiled) c.evaluator.collectAttributeKeys(keys);
    this.attributeKeys = keys;
  }

  decide(ctx: EvalContext): PolicyOutcome {
    const matched: string[] = [];
    const errors: string[] = [];
    for (const policy of this.drops) {
      if (this.vote(policy, ctx, errors) === Decision.Dropped) {
        return { sampled: false, policy: policy.name, adjustedCount: 0, matched, errors };
      }
    }
    let firstSampled: Evaluator | undefined;
    let firstSampledWeight = 1;
    let firstInvertSampled: Evaluator | undefined;
    let firstInvertNotSampled: Evaluator | undefined;
    let anyNotSampled = false;
    for (const policy of this.others) {
      const d = this.vote(policy, ctx, errors);
      if (d === Decision.Sampled) {
        matched.push(policy.name);
        if (firstSampled === undefined) {
          firstSampled = policy;
          firstSampledWeight = policy.adjustedCount();
        }
        if (this.sampleOnFirstMatch) break;
      } else if (d === Decision.InvertSampled) {
        matched.push(policy.name);
        firstInvertSampled ??= policy;
      } else if (d === Decision.InvertNotSampled) {
        firstInvertNotSampled ??= policy;
      } else if (d === Decision.NotSampled) {
        anyNotSampled = true;
      }
    }
    if (firstInvertNotSampled !== undefined) {
      return { sampled: false, policy: firstInvertNotSampled.name, adjustedCount: 0, matched, errors };
    }
    if (firstSampled !== undefined) {
      return { sampled: true, policy: firstSampled.name, adjustedCount: firstSampledWeight, matched, errors };
    }
    if (firstInvertSampled !== undefined && !anyNotSampled) {
      return { sampled: true, policy: firstInvertSampled.name, adjustedCount: 1, matched, errors };
    }
    return { sampled: false, policy: '', adjustedCount: 0, matched, errors };
  }

  /** The policy's vote, or undefined when it threw (counted and reported). */
  private vote(policy: Evaluator, ctx: EvalContext, errors: string[]): Decision | undefined {
    try {
      return policy.evaluate(ctx);
    } catch (error) {
      this.evaluationErrors++;
      errors.push(policy.name);
      this.onError?.(policy.name, error);
      return undefined;
    }
  }
}

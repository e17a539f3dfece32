import type { Decision } from '../decision';
import type { EvalContext } from '../eval-context';

/** A compiled policy. */
export interface Evaluator {
  readonly name: string;
  /** The policy's vote on the trace; may throw (the engine counts and ignores the vote). */
  evaluate(ctx: EvalContext): Decision;
  /**
   * How many traces a trace kept by this policy stands for, read right after a sampled
   * evaluate(): 100/percentage for probabilistic, 1 for policies that keep every match.
   */
  adjustedCount(): number;
  /** Adds the attribute keys this policy reads. */
  collectAttributeKeys(keys: Set<string>): void;
}

import { Decision, isSampledVote } from '../decision';
import type { EvalContext } from '../eval-context';
import type { Evaluator } from './evaluator';
import { Probabilistic, adjustedCountFor } from './probabilistic';
import { nsToSeconds } from './token-bucket';

/** Base for policies built from sub-policies. */
abstract class Combinator implements Evaluator {
  constructor(
    readonly name: string,
    protected readonly subs: readonly Evaluator[],
  ) {}
  abstract evaluate(ctx: EvalContext): Decision;
  adjustedCount(): number {
    return 1;
  }
  collectAttributeKeys(keys: Set<string>): void {
    for (const sub of this.subs) sub.collectAttributeKeys(keys);
  }
}

/**
 * `and`: Sampled when no sub-policy votes NotSampled or InvertNotSampled (evaluated in order,
 * stopping at the first such vote); inverted votes become plain ones, as in OTel.
 * Adjusted count: the probabilistic sub-policies thin the trace population; sub-policies
 * with the same salt are nested (the smallest percentage decides), different salts are
 * treated as independent: the product over salts of 100 / smallest percentage.
 */
export class And extends Combinator {
  private readonly weight: number;

  constructor(name: string, subs: readonly Evaluator[]) {
    super(name, subs);
    const smallestBySalt = new Map<string, number>();
    for (const sub of subs) {
      if (sub instanceof Probabilistic) {
        const known = smallestBySalt.get(sub.salt);
        smallestBySalt.set(sub.salt, known === undefined ? sub.percentage : Math.min(known, sub.percentage));
      }
    }
    let weight = 1;
    for (const percentage of smallestBySalt.values()) weight *= adjustedCountFor(percentage);
    this.weight = weight;
  }

  evaluate(ctx: EvalContext): Decision {
    for (const sub of this.subs) {
      const d = sub.evaluate(ctx);
      if (d === Decision.NotSampled || d === Decision.InvertNotSampled) return Decision.NotSampled;
    }
    return Decision.Sampled;
  }

  override adjustedCount(): number {
    return this.weight;
  }
}

/** `not`: swaps Sampled and NotSampled of its sub-policy; inverted votes pass through unchanged (as OTel). */
export class Not extends Combinator {
  evaluate(ctx: EvalContext): Decision {
    const d = (this.subs[0] as Evaluator).evaluate(ctx);
    if (d === Decision.Sampled) return Decision.NotSampled;
    if (d === Decision.NotSampled) return Decision.Sampled;
    return d;
  }
}

/**
 * `drop`: Dropped (a veto) when every sub-policy samples; NotSampled as soon as one votes
 * NotSampled or InvertNotSampled.
 */
export class Drop extends Combinator {
  evaluate(ctx: EvalContext): Decision {
    for (const sub of this.subs) {
      const d = sub.evaluate(ctx);
      if (d === Decision.NotSampled || d === Decision.InvertNotSampled) return Decision.NotSampled;
    }
    return Decision.Dropped;
  }
}

/** A composite sub-policy with its span budget per second. */
export interface CompositeMember {
  evaluator: Evaluator;
  /** Spans per second this sub-policy may keep. */
  allocatedSpansPerSecond: number;
}

/**
 * `composite`: sub-policies in policy order; the first that votes sampled decides: the trace is
 * kept when its spans fit both that sub-policy's allocation and max_total_spans_per_second for
 * the current second, else dropped (later sub-policies are not asked). Counters restart each
 * second of data time (monotonic: an older trace counts in the current second).
 */
export class Composite extends Combinator {
  private second = -Infinity;
  private total = 0;
  private readonly used: number[];
  private lastWeight = 1;

  constructor(
    name: string,
    private readonly members: readonly CompositeMember[],
    private readonly maxTotalSpansPerSecond: number,
  ) {
    super(
      name,
      members.map((m) => m.evaluator),
    );
    this.used = members.map(() => 0);
  }

  evaluate(ctx: EvalContext): Decision {
    const second = Math.floor(nsToSeconds(ctx.dataTimeNs()));
    if (second > this.second) {
      this.second = second;
      this.total = 0;
      this.used.fill(0);
    }
    const spans = ctx.trace.spanCount;
    for (let i = 0; i < this.members.length; i++) {
      const member = this.members[i] as CompositeMember;
      if (!isSampledVote(member.evaluator.evaluate(ctx))) continue;
      const used = (this.used[i] as number) + spans;
      if (used <= member.allocatedSpansPerSecond && this.total + spans <= this.maxTotalSpansPerSecond) {
        this.used[i] = used;
        this.total += spans;
        this.lastWeight = member.evaluator.adjustedCount();
        return Decision.Sampled;
      }
      return Decision.NotSampled;
    }
    return Decision.NotSampled;
  }

  /** The adjusted count of the sub-policy that kept the last sampled trace. */
  override adjustedCount(): number {
    return this.lastWeight;
  }
}

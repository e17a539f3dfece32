import type { CompositeConfig, CompositeSubPolicyConfig, PolicyConfig } from './policy-config';
import { BooleanAttributeFilter, NumericAttributeFilter, StringAttributeFilter } from './policies/attribute-policies';
import { And, Composite, Drop, Not, type CompositeMember } from './policies/combinators';
import type { Evaluator } from './policies/evaluator';
import { Probabilistic } from './policies/probabilistic';
import { BytesLimiting, RateLimiting } from './policies/rate-policies';
import { AlwaysSample, Latency, SpanCount, StatusCodeFilter, TraceFlags } from './policies/simple';
import { TraceStateFilter } from './policies/trace-state';

/** Builds the evaluator of a validated policy (fresh state for the stateful ones). */
export function compilePolicy(config: PolicyConfig): Evaluator {
  switch (config.type) {
    case 'always_sample':
      return new AlwaysSample(config.name);
    case 'probabilistic':
      return new Probabilistic(config);
    case 'latency':
      return new Latency(config);
    case 'status_code':
      return new StatusCodeFilter(config);
    case 'string_attribute':
      return new StringAttributeFilter(config);
    case 'numeric_attribute':
      return new NumericAttributeFilter(config);
    case 'boolean_attribute':
      return new BooleanAttributeFilter(config);
    case 'span_count':
      return new SpanCount(config);
    case 'trace_state':
      return new TraceStateFilter(config);
    case 'trace_flags':
      return new TraceFlags(config.name);
    case 'rate_limiting':
      return new RateLimiting(config);
    case 'bytes_limiting':
      return new BytesLimiting(config);
    case 'and':
      return new And(config.name, config.policies.map(compilePolicy));
    case 'not':
      return new Not(config.name, [compilePolicy(config.policy)]);
    case 'drop':
      return new Drop(config.name, config.policies.map(compilePolicy));
    case 'composite':
      return compileComposite(config);
  }
}

/**
 * Orders the sub-policies by policy_order (unnamed ones follow in listed order) and gives each
 * its budget: percent > 0 → that share of the total; a listed percent <= 0 → an equal share
 * (total / number of sub-policies), as OTel; not listed → only the total applies.
 */
function compileComposite(config: CompositeConfig): Evaluator {
  const byName = new Map<string, CompositeSubPolicyConfig>(config.policies.map((p) => [p.name, p]));
  const ordered: CompositeSubPolicyConfig[] = [];
  for (const name of config.policyOrder) {
    const sub = byName.get(name);
    if (sub !== undefined && !ordered.includes(sub)) ordered.push(sub);
  }
  for (const sub of config.policies) if (!ordered.includes(sub)) ordered.push(sub);

  const total = config.maxTotalSpansPerSecond;
  const equalShare = total / config.policies.length;
  const allocation = new Map<string, number>();
  for (const { policy, percent } of config.rateAllocation) allocation.set(policy, percent > 0 ? (percent / 100) * total : equalShare);
  const members: CompositeMember[] = ordered.map((sub) => ({
    evaluator: compilePolicy(sub),
    allocatedSpansPerSecond: allocation.get(sub.name) ?? total,
  }));
  return new Composite(config.name, members, total);
}

import type { SamplingDecision } from '@tailstream/model';
import { CompiledAttributeKeys } from './attribute-keys';
import { EvalContext } from './eval-context';
import type { PolicyConfig } from './policy-config';
import { PolicySet, type PolicyOutcome } from './policy-set';
import type { AttributeReader, TraceView } from './trace-view';

/** Everything a PolicyEngine needs. */
export interface PolicyEngineOptions {
  /** The active policies (decide). */
  policies: readonly PolicyConfig[];
  /** Optional second set, evaluated on the same traces for would-keep counts only. */
  shadowPolicies?: readonly PolicyConfig[];
  /** Version of the policy file (content hash), carried into every decision. */
  version: string;
  /** Reads attributes from the protobuf KeyValueList buffers. */
  reader: AttributeReader;
  /** Stop at the first sampling policy (OTel `sample_on_first_match`). */
  sampleOnFirstMatch?: boolean;
  /** Called for each policy evaluation that threw (for logs); it is also counted. */
  onEvaluationError?: (policy: string, error: unknown, shadow: boolean) => void;
}

/** The decision for one trace (see PolicySet for the rules). */
export type EngineDecision = PolicyOutcome;

/**
 * Decides traces with a fixed policy set. Stateful policies (rate_limiting, bytes_limiting,
 * composite) keep their state in the engine: a new engine (e.g. after a policy reload)
 * starts them afresh. Not thread-safe; one engine per event loop.
 */
export class PolicyEngine {
  readonly version: string;
  private readonly active: PolicySet;
  private readonly shadow: PolicySet | undefined;
  private readonly reader: AttributeReader;
  /** The context of the last evaluate(), reused by evaluateShadow() on the same trace. */
  private lastContext: EvalContext | undefined;
  /** Active ∪ shadow attribute keys, compiled for the reader (read together when it can). */
  private readonly keys: CompiledAttributeKeys;

  constructor(options: PolicyEngineOptions) {
    if (options.policies.length === 0) throw new RangeError('a policy engine needs at least one policy');
    this.version = options.version;
    this.reader = options.reader;
    const onError = options.onEvaluationError;
    const sampleOnFirstMatch = options.sampleOnFirstMatch ?? false;
    this.active = new PolicySet(options.policies, sampleOnFirstMatch, onError && ((p, e) => onError(p, e, false)));
    this.shadow =
      options.shadowPolicies && options.shadowPolicies.length > 0
        ? new PolicySet(options.shadowPolicies, sampleOnFirstMatch, onError && ((p, e) => onError(p, e, true)))
        : undefined;
    this.keys = new CompiledAttributeKeys(this.attributeKeys(), this.reader);
  }

  /** Decides one trace. */
  evaluate(trace: TraceView): EngineDecision {
    const ctx = new EvalContext(trace, this.reader, this.keys);
    this.lastContext = this.shadow ? ctx : undefined;
    return this.active.decide(ctx);
  }

  /**
   * What the shadow policies would decide for the trace (no effect on anything else);
   * undefined without shadow policies. Attribute reads of a preceding evaluate() of the same
   * trace are reused.
   */
  evaluateShadow(trace: TraceView): EngineDecision | undefined {
    if (!this.shadow) return undefined;
    const last = this.lastContext;
    this.lastContext = undefined;
    const ctx = last !== undefined && last.trace === trace ? last : new EvalContext(trace, this.reader, this.keys);
    return this.shadow.decide(ctx);
  }

  /** True when shadow policies are configured. */
  get hasShadow(): boolean {
    return this.shadow !== undefined;
  }

  /** Attribute keys the active and shadow policies read (sorted): callers need decode no others. */
  attributeKeys(): string[] {
    return [...new Set([...this.active.attributeKeys, ...(this.shadow?.attributeKeys ?? [])])].sort();
  }

  /** Policy evaluations that threw, since creation (active set). */
  get evaluationErrors(): number {
    return this.active.evaluationErrors;
  }

  /** Policy evaluations that threw, since creation (shadow set). */
  get shadowEvaluationErrors(): number {
    return this.shadow?.evaluationErrors ?? 0;
  }

  /** The model's SamplingDecision record for a decided trace. */
  toSamplingDecision(
    trace: Pick<TraceView, 'traceId' | 'spanCount'>,
    decision: EngineDecision,
    decidedAtUnixMs: number | bigint,
  ): SamplingDecision {
    return {
      traceId: trace.traceId,
      sampled: decision.sampled,
      policy: decision.policy,
      policyVersion: this.version,
      adjustedCount: decision.sampled ? decision.adjustedCount : 0,
      spanCount: trace.spanCount,
      decidedAtUnixMs: typeof decidedAtUnixMs === 'bigint' ? decidedAtUnixMs : BigInt(Math.trunc(decidedAtUnixMs)),
    };
  }
}

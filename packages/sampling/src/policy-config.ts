/**
 * Validated policy definitions, independent of the file format they came from (see
 * load-policy-file.ts). Field meanings follow the OpenTelemetry Collector tail_sampling
 * processor; docs/policies.md describes each one.
 */

export type StatusCodeName = 'OK' | 'ERROR' | 'UNSET';

interface Named {
  /** Reported as the deciding policy; unique among top-level policies. */
  name: string;
}

export interface AlwaysSampleConfig extends Named {
  type: 'always_sample';
}

export interface ProbabilisticConfig extends Named {
  type: 'probabilistic';
  /** 0..100 (values >= 100 keep every trace). */
  samplingPercentage: number;
  /** Salt mixed into the trace-ID hash; OTel's default salt when undefined. */
  hashSalt?: string;
}

export interface LatencyConfig extends Named {
  type: 'latency';
  thresholdMs: number;
  upperThresholdMs?: number;
}

export interface StatusCodeConfig extends Named {
  type: 'status_code';
  statusCodes: StatusCodeName[];
}

export interface StringAttributeConfig extends Named {
  type: 'string_attribute';
  key: string;
  values: string[];
  enabledRegexMatching: boolean;
  invertMatch: boolean;
}

export interface NumericAttributeConfig extends Named {
  type: 'numeric_attribute';
  key: string;
  /** Inclusive bounds; undefined = unbounded on that side. */
  minValue?: number;
  maxValue?: number;
  invertMatch: boolean;
}

export interface BooleanAttributeConfig extends Named {
  type: 'boolean_attribute';
  key: string;
  value: boolean;
  invertMatch: boolean;
}

export interface SpanCountConfig extends Named {
  type: 'span_count';
  minSpans: number;
  /** Inclusive; undefined = no upper bound. */
  maxSpans?: number;
}

export interface TraceStateConfig extends Named {
  type: 'trace_state';
  key: string;
  values: string[];
}

export interface TraceFlagsConfig extends Named {
  type: 'trace_flags';
}

export interface RateLimitingConfig extends Named {
  type: 'rate_limiting';
  spansPerSecond: number;
}

export interface BytesLimitingConfig extends Named {
  type: 'bytes_limiting';
  bytesPerSecond: number;
  /** Bucket size in bytes; 2 × bytesPerSecond when undefined. */
  burstCapacity?: number;
}

export interface AndConfig extends Named {
  type: 'and';
  policies: LeafPolicyConfig[];
}

export interface NotConfig extends Named {
  type: 'not';
  policy: LeafPolicyConfig;
}

export interface DropConfig extends Named {
  type: 'drop';
  policies: LeafPolicyConfig[];
}

export interface RateAllocation {
  /** Name of a composite sub-policy. */
  policy: string;
  /** Share of maxTotalSpansPerSecond; <= 0 means an equal share (max / number of sub-policies). */
  percent: number;
}

export interface CompositeConfig extends Named {
  type: 'composite';
  maxTotalSpansPerSecond: number;
  /** Evaluation order by sub-policy name; sub-policies not named follow in listed order. */
  policyOrder: string[];
  policies: CompositeSubPolicyConfig[];
  rateAllocation: RateAllocation[];
}

/** Policies that evaluate the trace directly. */
export type LeafPolicyConfig =
  | AlwaysSampleConfig
  | ProbabilisticConfig
  | LatencyConfig
  | StatusCodeConfig
  | StringAttributeConfig
  | NumericAttributeConfig
  | BooleanAttributeConfig
  | SpanCountConfig
  | TraceStateConfig
  | TraceFlagsConfig
  | RateLimitingConfig
  | BytesLimitingConfig;

/** What a composite policy may contain. */
export type CompositeSubPolicyConfig = LeafPolicyConfig | AndConfig;

/** Any top-level policy. */
export type PolicyConfig = LeafPolicyConfig | AndConfig | NotConfig | DropConfig | CompositeConfig;

export type PolicyType = PolicyConfig['type'];

export const LEAF_POLICY_TYPES = [
  'always_sample',
  'probabilistic',
  'latency',
  'status_code',
  'string_attribute',
  'numeric_attribute',
  'boolean_attribute',
  'span_count',
  'trace_state',
  'trace_flags',
  'rate_limiting',
  'bytes_limiting',
] as const satisfies readonly LeafPolicyConfig['type'][];

export const POLICY_TYPES = [...LEAF_POLICY_TYPES, 'and', 'not', 'drop', 'composite'] as const satisfies readonly PolicyType[];

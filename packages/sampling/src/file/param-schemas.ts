import { z } from 'zod';
import type { LeafPolicyConfig, StatusCodeName } from '../policy-config';
import { compileGoRegex } from '../policies/go-regex';

/** Accepts YAML ints, including Go-style `100_000` that YAML 1.2 reads as a string. */
function intLike(value: unknown): unknown {
  if (typeof value === 'string' && /^[+-]?\d[\d_]*$/.test(value)) return Number(value.replace(/_/g, ''));
  return value;
}

const int = () => z.preprocess(intLike, z.number().int().refine(Number.isSafeInteger, 'must be a safe integer (|n| < 2^53)'));
const nonNegativeInt = () => z.preprocess(intLike, z.number().int().min(0).refine(Number.isSafeInteger, 'must be a safe integer'));
const positiveInt = () => z.preprocess(intLike, z.number().int().positive().refine(Number.isSafeInteger, 'must be a safe integer'));
const key = () => z.string().min(1, 'must be a non-empty attribute key');
const flag = () => z.boolean().optional().default(false);

const STATUS_CODES = ['OK', 'ERROR', 'UNSET'] as const satisfies readonly StatusCodeName[];

/** A list of regular expressions in Go syntax; each must compile. */
const regexList = z.array(z.string()).superRefine((values, ctx) => {
  values.forEach((value, i) => {
    try {
      compileGoRegex(value);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: [i], message: `invalid regular expression: ${(error as Error).message}` });
    }
  });
});

/**
 * Parameter schemas of the leaf policy types, with the OTel field names (snake_case), each
 * producing the validated config. In the OTel format these fields sit in a block named after
 * the type; in the Tailstream format beside `name` and `type`.
 */
export const LEAF_PARAM_SCHEMAS = {
  always_sample: z.strictObject({}).transform(() => ({ type: 'always_sample' as const })),
  probabilistic: z
    .strictObject({
      sampling_percentage: z.preprocess(intLike, z.number().min(0).max(100)),
      hash_salt: z.string().optional(),
    })
    .transform((p) => ({
      type: 'probabilistic' as const,
      samplingPercentage: p.sampling_percentage,
      ...(p.hash_salt ? { hashSalt: p.hash_salt } : {}),
    })),
  latency: z
    .strictObject({ threshold_ms: nonNegativeInt(), upper_threshold_ms: nonNegativeInt().optional() })
    .refine((p) => !p.upper_threshold_ms || p.upper_threshold_ms > p.threshold_ms, {
      path: ['upper_threshold_ms'],
      message: 'must be greater than threshold_ms (or 0 / absent for no upper bound)',
    })
    .transform((p) => ({
      type: 'latency' as const,
      thresholdMs: p.threshold_ms,
      ...(p.upper_threshold_ms ? { upperThresholdMs: p.upper_threshold_ms } : {}),
    })),
  status_code: z
    .strictObject({ status_codes: z.array(z.enum(STATUS_CODES)).min(1, 'must list at least one of OK, ERROR, UNSET') })
    .transform((p) => ({ type: 'status_code' as const, statusCodes: [...new Set(p.status_codes)] })),
  string_attribute: z
    .strictObject({
      key: key(),
      values: z.array(z.string()).min(1, 'must list at least one value'),
      enabled_regex_matching: flag(),
      cache_max_size: int().optional(),
      invert_match: flag(),
    })
    .superRefine((p, ctx) => {
      if (!p.enabled_regex_matching) return;
      const result = regexList.safeParse(p.values);
      for (const issue of result.error?.issues ?? [])
        ctx.addIssue({ code: 'custom', path: ['values', ...issue.path], message: issue.message });
    })
    .transform((p) => ({
      type: 'string_attribute' as const,
      key: p.key,
      values: p.values,
      enabledRegexMatching: p.enabled_regex_matching,
      invertMatch: p.invert_match,
    })),
  numeric_attribute: z
    .strictObject({ key: key(), min_value: int().optional(), max_value: int().optional(), invert_match: flag() })
    .refine((p) => p.min_value !== undefined || p.max_value !== undefined, { message: 'set min_value, max_value or both' })
    .refine((p) => p.min_value === undefined || p.max_value === undefined || p.min_value <= p.max_value, {
      path: ['max_value'],
      message: 'must be >= min_value',
    })
    .transform((p) => ({
      type: 'numeric_attribute' as const,
      key: p.key,
      ...(p.min_value !== undefined ? { minValue: p.min_value } : {}),
      ...(p.max_value !== undefined ? { maxValue: p.max_value } : {}),
      invertMatch: p.invert_match,
    })),
  boolean_attribute: z
    .strictObject({ key: key(), value: z.boolean(), invert_match: flag() })
    .transform((p) => ({ type: 'boolean_attribute' as const, key: p.key, value: p.value, invertMatch: p.invert_match })),
  span_count: z
    .strictObject({ min_spans: nonNegativeInt(), max_spans: nonNegativeInt().optional() })
    .refine((p) => !p.max_spans || p.max_spans >= p.min_spans, {
      path: ['max_spans'],
      message: 'must be >= min_spans (or 0 / absent for no upper bound)',
    })
    .transform((p) => ({ type: 'span_count' as const, minSpans: p.min_spans, ...(p.max_spans ? { maxSpans: p.max_spans } : {}) })),
  trace_state: z
    .strictObject({ key: key(), values: z.array(z.string()).min(1, 'must list at least one value') })
    .transform((p) => ({ type: 'trace_state' as const, key: p.key, values: p.values })),
  trace_flags: z.strictObject({}).transform(() => ({ type: 'trace_flags' as const })),
  rate_limiting: z
    .strictObject({ spans_per_second: positiveInt() })
    .transform((p) => ({ type: 'rate_limiting' as const, spansPerSecond: p.spans_per_second })),
  bytes_limiting: z.strictObject({ bytes_per_second: positiveInt(), burst_capacity: positiveInt().optional() }).transform((p) => ({
    type: 'bytes_limiting' as const,
    bytesPerSecond: p.bytes_per_second,
    ...(p.burst_capacity !== undefined ? { burstCapacity: p.burst_capacity } : {}),
  })),
} satisfies Record<LeafPolicyConfig['type'], z.ZodType<Omit<LeafPolicyConfig, 'name'>>>;

/** A required list of sub-policies under the given field name (validated one by one later). */
function subList<K extends string>(subKey: K) {
  return { [subKey]: z.array(z.unknown()).min(1, 'must list at least one sub-policy') } as { [P in K]: z.ZodArray<z.ZodUnknown> };
}

/** Parameters of `composite`. */
export const compositeParams = <K extends string>(subKey: K) =>
  z.strictObject({
    max_total_spans_per_second: positiveInt(),
    policy_order: z.array(z.string()).optional().default([]),
    rate_allocation: z
      .array(z.strictObject({ policy: z.string().min(1), percent: z.preprocess(intLike, z.number().int().max(100)) }))
      .optional()
      .default([]),
    ...subList(subKey),
  });

/** Parameters of `and` / `drop`: just the sub-policy list. */
export const subListParams = <K extends string>(subKey: K) => z.strictObject(subList(subKey));

/** Parameters of `not`: one sub-policy. */
export const singleSubParams = <K extends string>(subKey: K) =>
  z.strictObject({
    [subKey]: z.record(z.string(), z.unknown(), { error: 'must be one policy (a mapping with name and type)' }),
  } as { [P in K]: z.ZodRecord<z.ZodString, z.ZodUnknown> });

export { intLike };

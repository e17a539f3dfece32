import type { z } from 'zod';
import {
  LEAF_POLICY_TYPES,
  POLICY_TYPES,
  type CompositeConfig,
  type CompositeSubPolicyConfig,
  type LeafPolicyConfig,
  type PolicyConfig,
  type PolicyType,
} from '../policy-config';
import { LEAF_PARAM_SCHEMAS, compositeParams, singleSubParams, subListParams } from './param-schemas';
import type { PolicyIssue } from './policy-file-error';
import { fromZodIssues } from './zod-issues';

/** The two accepted file formats. */
export type PolicyFileFormat = 'tailstream' | 'otel';

/**
 * Field names of the sub-policy lists per format. OTel nests them in the type block
 * (`and: {and_sub_policy: [...]}`); Tailstream puts them beside name/type (`policies: [...]`).
 */
const SUB_KEYS = {
  otel: { and: 'and_sub_policy', drop: 'drop_sub_policy', not: 'not_sub_policy', composite: 'composite_sub_policy' },
  tailstream: { and: 'policies', drop: 'policies', not: 'policy', composite: 'policies' },
} as const;

/** OTel policy types Tailstream does not implement, with the reason given to the user. */
const UNSUPPORTED: Record<string, string> = {
  ottl_condition: 'ottl_condition is not supported by Tailstream (no OTTL engine); use the attribute, status_code or latency policies',
};

const LEAF_AND_AND: readonly PolicyType[] = [...LEAF_POLICY_TYPES, 'and'];

type Raw = Record<string, unknown>;

function isMapping(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses and validates policy lists of one file, collecting every issue. */
export class PolicyParser {
  readonly issues: PolicyIssue[] = [];

  constructor(private readonly format: PolicyFileFormat) {}

  /** A top-level list (`policies` or `shadow_policies`): names required and unique. */
  parseList(raw: unknown, field: string, allowEmpty = false): PolicyConfig[] {
    if (!Array.isArray(raw)) {
      this.issues.push({ field, message: 'must be a list of policies' });
      return [];
    }
    if (raw.length === 0 && !allowEmpty) this.issues.push({ field, message: 'must list at least one policy' });
    const out: PolicyConfig[] = [];
    raw.forEach((entry, i) => {
      const policy = this.parsePolicy(entry, `${field}[${i}]`, POLICY_TYPES, true);
      if (policy) out.push(policy);
    });
    // names of invalid policies count too: a duplicate is reported even next to other errors
    const names = raw.map((entry: unknown) => (isMapping(entry) && typeof entry['name'] === 'string' ? entry['name'] : undefined));
    this.requireUniqueNames(
      names.filter((n): n is string => n !== undefined && n !== '').map((name) => ({ name })),
      field,
    );
    return out;
  }

  /**
   * One policy. `allowed` are the types accepted at this position (OTel's nesting rules);
   * `nameRequired` for top-level and composite sub-policies (their names are referenced).
   */
  private parsePolicy(raw: unknown, where: string, allowed: readonly PolicyType[], nameRequired: boolean): PolicyConfig | undefined {
    if (!isMapping(raw)) {
      this.issues.push({ field: where, message: 'must be a mapping with name and type' });
      return undefined;
    }
    const rawName = raw['name'];
    const rawType = raw['type'];
    const label = `${where}${typeof rawName === 'string' && rawName !== '' ? ` "${rawName}"` : ''}${typeof rawType === 'string' ? ` (${rawType})` : ''}`;
    let ok = true;
    let name = '';
    if (typeof rawName === 'string' && rawName.trim() !== '') {
      name = rawName;
    } else if (rawName !== undefined || nameRequired) {
      this.issues.push({ policy: label, field: 'name', message: 'required (a non-empty string)' });
      ok = false;
    } else {
      name = `${where}`;
    }
    if (typeof rawType !== 'string') {
      this.issues.push({ policy: label, field: 'type', message: `required; allowed: ${allowed.join(', ')}` });
      return undefined;
    }
    if (!(allowed as readonly string[]).includes(rawType)) {
      const reason =
        UNSUPPORTED[rawType] ??
        ((POLICY_TYPES as readonly string[]).includes(rawType)
          ? `"${rawType}" is not allowed at this level; allowed: ${allowed.join(', ')}`
          : `unknown policy type "${rawType}"; allowed: ${allowed.join(', ')}`);
      this.issues.push({ policy: label, field: 'type', message: reason });
      return undefined;
    }
    const type = rawType as PolicyType;
    const params = this.paramsOf(raw, type, label);
    if (params === undefined || !ok) return undefined;
    const prefix = this.format === 'otel' ? type : '';

    switch (type) {
      case 'and':
      case 'drop': {
        const subKey = SUB_KEYS[this.format][type];
        const parsed = this.check(subListParams(subKey), params, label, prefix);
        if (!parsed) return undefined;
        const subs = this.parseSubs(parsed[subKey] as unknown[], label, prefix, subKey, LEAF_POLICY_TYPES, false);
        return subs ? ({ type, name, policies: subs as LeafPolicyConfig[] } as PolicyConfig) : undefined;
      }
      case 'not': {
        const subKey = SUB_KEYS[this.format].not;
        const parsed = this.check(singleSubParams(subKey), params, label, prefix);
        if (!parsed) return undefined;
        const sub = this.nested(() => this.parsePolicy(parsed[subKey], `${label} > ${join(prefix, subKey)}`, LEAF_POLICY_TYPES, false));
        return sub ? { type, name, policy: sub as LeafPolicyConfig } : undefined;
      }
      case 'composite':
        return this.parseComposite(name, params, label, prefix);
      default: {
        const parsed = this.check(LEAF_PARAM_SCHEMAS[type] as z.ZodType<Omit<LeafPolicyConfig, 'name'>>, params, label, prefix);
        return parsed ? ({ ...parsed, name } as LeafPolicyConfig) : undefined;
      }
    }
  }

  private parseComposite(name: string, params: Raw, label: string, prefix: string): CompositeConfig | undefined {
    const subKey = SUB_KEYS[this.format].composite;
    const parsed = this.check(compositeParams(subKey), params, label, prefix);
    if (!parsed) return undefined;
    const subs = this.parseSubs(parsed[subKey] as unknown[], label, prefix, subKey, LEAF_AND_AND, true) as
      CompositeSubPolicyConfig[] | undefined;
    if (!subs) return undefined;
    const names = new Set(subs.map((s) => s.name));
    let ok = this.requireUniqueNames(subs, join(prefix, subKey), label);
    const order = parsed.policy_order;
    order.forEach((entry, i) => {
      if (!names.has(entry)) {
        this.issues.push({
          policy: label,
          field: join(prefix, `policy_order[${i}]`),
          message: `"${entry}" is not a sub-policy; sub-policies: ${[...names].join(', ')}`,
        });
        ok = false;
      }
    });
    let percentSum = 0;
    parsed.rate_allocation.forEach((allocation, i) => {
      if (!names.has(allocation.policy)) {
        this.issues.push({
          policy: label,
          field: join(prefix, `rate_allocation[${i}].policy`),
          message: `"${allocation.policy}" is not a sub-policy; sub-policies: ${[...names].join(', ')}`,
        });
        ok = false;
      }
      if (allocation.percent > 0) percentSum += allocation.percent;
    });
    if (percentSum > 100) {
      this.issues.push({
        policy: label,
        field: join(prefix, 'rate_allocation'),
        message: `percentages add up to ${percentSum}, more than 100`,
      });
      ok = false;
    }
    if (!ok) return undefined;
    return {
      type: 'composite',
      name,
      maxTotalSpansPerSecond: parsed.max_total_spans_per_second,
      policyOrder: order,
      policies: subs,
      rateAllocation: parsed.rate_allocation,
    };
  }

  private parseSubs(
    list: unknown[],
    label: string,
    prefix: string,
    subKey: string,
    allowed: readonly PolicyType[],
    nameRequired: boolean,
  ): PolicyConfig[] | undefined {
    return this.nested(() => {
      const out: PolicyConfig[] = [];
      let ok = true;
      list.forEach((entry, i) => {
        const sub = this.parsePolicy(entry, `${label} > ${join(prefix, subKey)}[${i}]`, allowed, nameRequired);
        if (sub) out.push(sub);
        else ok = false;
      });
      return ok ? out : undefined;
    });
  }

  /** Runs a nested parse; undefined when it added issues. */
  private nested<T>(run: () => T | undefined): T | undefined {
    const before = this.issues.length;
    const result = run();
    return this.issues.length === before ? result : undefined;
  }

  /** The parameter object of a policy, per format. */
  private paramsOf(raw: Raw, type: PolicyType, label: string): Raw | undefined {
    if (this.format === 'tailstream') {
      const { name: _name, type: _type, ...rest } = raw;
      return rest;
    }
    let ok = true;
    for (const field of Object.keys(raw)) {
      if (field === 'name' || field === 'type' || field === type) continue;
      if ((POLICY_TYPES as readonly string[]).includes(field) || field in UNSUPPORTED) {
        this.issues.push({
          policy: label,
          field,
          message: `a "${field}" block in a policy of type "${type}" (the collector would silently ignore it); put the settings under "${type}:" or fix the type`,
        });
      } else {
        this.issues.push({ policy: label, field, message: `unknown field; allowed fields: name, type, ${type}` });
      }
      ok = false;
    }
    const block = raw[type] ?? {};
    if (!isMapping(block)) {
      this.issues.push({ policy: label, field: type, message: 'must be a mapping of the policy settings' });
      return undefined;
    }
    return ok ? block : undefined;
  }

  private check<T>(schema: z.ZodType<T>, params: Raw, label: string, prefix: string): T | undefined {
    const result = schema.safeParse(params);
    if (result.success) return result.data;
    this.issues.push(...fromZodIssues(result.error.issues, label, prefix, allowedFields(schema)));
    return undefined;
  }

  private requireUniqueNames(policies: readonly { name: string }[], field: string, policy?: string): boolean {
    const seen = new Set<string>();
    let ok = true;
    for (const p of policies) {
      if (seen.has(p.name)) {
        this.issues.push({ policy, field, message: `duplicate policy name "${p.name}"` });
        ok = false;
      }
      seen.add(p.name);
    }
    return ok;
  }
}

function join(prefix: string, field: string): string {
  return prefix === '' ? field : `${prefix}.${field}`;
}

/** The field names of a (possibly refined/transformed) strict object schema. */
function allowedFields(schema: z.ZodType): string[] {
  let current: unknown = schema;
  for (let depth = 0; depth < 5 && isMapping(current); depth++) {
    const shape = (current as { shape?: Record<string, unknown> }).shape;
    if (shape) return Object.keys(shape);
    current = (current as { in?: unknown }).in;
  }
  return [];
}

import { parseDocument } from 'yaml';
import type { PolicyConfig } from '../policy-config';
import { locateSettings } from './detect-format';
import { parseGoDuration } from './duration';
import { intLike } from './param-schemas';
import { PolicyParser, type PolicyFileFormat } from './parse-policy';
import { PolicyFileError, type PolicyIssue } from './policy-file-error';
import { policyVersion } from './policy-version';

/** Options of loadPolicyFile. */
export interface LoadPolicyFileOptions {
  /** `auto` (default) detects the format; see locateSettings. */
  format?: 'auto' | PolicyFileFormat;
  /** In a collector config with several tail_sampling processors: which one (e.g. `tail_sampling/errors`). */
  processor?: string;
}

/** A validated policy file. Settings the file does not give are undefined (the service's defaults apply). */
export interface LoadedPolicyFile {
  format: PolicyFileFormat;
  policies: PolicyConfig[];
  /** Tailstream format only: policies evaluated for would-keep counts, without effect. */
  shadowPolicies?: PolicyConfig[];
  /** `decision_wait`. */
  decisionWaitMs?: number;
  /** `decision_wait_after_root` (Tailstream) / `decision_wait_after_root_received` (OTel). */
  decisionWaitAfterRootMs?: number;
  /** OTel `maximum_trace_size_bytes` (a per-trace byte cap). */
  maxBytesPerTrace?: number;
  /** `sample_on_first_match`. */
  sampleOnFirstMatch?: boolean;
  /** Settings accepted but without effect in Tailstream, one note each (log them). */
  ignored: string[];
  /** Short content hash of the policies and shadow policies (see policyVersion). */
  version: string;
}

type Handler = (value: unknown, out: LoadedPolicyFile, issues: PolicyIssue[], field: string) => void;

const duration =
  (set: (out: LoadedPolicyFile, ms: number) => void, allowZero: boolean): Handler =>
  (value, out, issues, field) => {
    const ms = typeof value === 'string' ? parseGoDuration(value) : undefined;
    if (ms === undefined || (ms === 0 && !allowZero)) {
      issues.push({
        field,
        message: `must be a ${allowZero ? '' : 'positive '}duration such as 30s, 1m30s or 500ms (got ${JSON.stringify(value)})`,
      });
    } else set(out, ms);
  };

const bool =
  (set: (out: LoadedPolicyFile, v: boolean) => void): Handler =>
  (value, out, issues, field) => {
    if (typeof value === 'boolean') set(out, value);
    else issues.push({ field, message: `must be true or false (got ${JSON.stringify(value)})` });
  };

const ignored =
  (why: string): Handler =>
  (_value, out, _issues, field) => {
    out.ignored.push(`${field}: ${why}`);
  };

const POLICY_LISTS = 'handled by the policy parser';

/** Top-level settings per format (besides the policy lists). */
const SETTINGS: Record<PolicyFileFormat, Record<string, Handler | typeof POLICY_LISTS>> = {
  tailstream: {
    policies: POLICY_LISTS,
    shadow_policies: POLICY_LISTS,
    decision_wait: duration((o, ms) => (o.decisionWaitMs = ms), false),
    decision_wait_after_root: duration((o, ms) => (o.decisionWaitAfterRootMs = ms), true),
    sample_on_first_match: bool((o, v) => (o.sampleOnFirstMatch = v)),
  },
  otel: {
    policies: POLICY_LISTS,
    decision_wait: duration((o, ms) => (o.decisionWaitMs = ms), false),
    decision_wait_after_root_received: duration((o, ms) => (o.decisionWaitAfterRootMs = ms), true),
    sample_on_first_match: bool((o, v) => (o.sampleOnFirstMatch = v)),
    maximum_trace_size_bytes: (value, out, issues, field) => {
      const n = intLike(value);
      if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) {
        if (n > 0) out.maxBytesPerTrace = n;
      } else issues.push({ field, message: 'must be a non-negative integer (bytes; 0 = no limit)' });
    },
    num_traces: ignored('ignored; memory is bounded by the sampler max buffered spans/bytes settings'),
    expected_new_traces_per_sec: ignored('ignored; not needed for allocation'),
    decision_cache: ignored('ignored; decisions are cached from the compacted decisions topic'),
    block_on_overflow: ignored('ignored; over the memory caps the oldest traces are decided early'),
    drop_pending_traces_on_shutdown: ignored('ignored; on shutdown/revoke pending traces are left to the next owner, which replays them'),
    sampling_strategy: (value, out, issues, field) => {
      if (value !== 'trace-complete') issues.push({ field, message: `only "trace-complete" is supported (got ${JSON.stringify(value)})` });
    },
  },
};

/**
 * Parses and validates a policy file: the Tailstream schema or an OpenTelemetry Collector
 * `tail_sampling` configuration pasted unchanged (see docs/policies.md). Throws
 * PolicyFileError listing every problem, each naming the policy and the field.
 */
export function loadPolicyFile(text: string, options: LoadPolicyFileOptions = {}): LoadedPolicyFile {
  const issues: PolicyIssue[] = [];
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new PolicyFileError(
      doc.errors.map((e) => ({
        field: e.linePos ? `line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '',
        message: `YAML: ${(e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '')}`,
      })),
    );
  }
  const located = locateSettings(doc.toJS({ maxAliasCount: 100 }), options.format ?? 'auto', options.processor, issues);
  if (!located) throw new PolicyFileError(issues);
  const { format, settings, origin } = located;
  const prefix = origin === '' ? '' : `${origin}.`;

  const out: LoadedPolicyFile = { format, policies: [], ignored: [], version: '' };
  const handlers = SETTINGS[format];
  for (const [key, value] of Object.entries(settings)) {
    const handler = handlers[key];
    if (handler === undefined) {
      issues.push({ field: `${prefix}${key}`, message: `unknown setting; allowed: ${Object.keys(handlers).join(', ')}` });
    } else if (handler !== POLICY_LISTS) {
      handler(value, out, issues, `${prefix}${key}`);
    }
  }
  const parser = new PolicyParser(format);
  if (!('policies' in settings)) issues.push({ field: `${prefix}policies`, message: 'required (a list of policies)' });
  else out.policies = parser.parseList(settings['policies'], `${prefix}policies`);
  if ('shadow_policies' in settings && format === 'tailstream') {
    const shadow = parser.parseList(settings['shadow_policies'], 'shadow_policies', true);
    if (shadow.length > 0) out.shadowPolicies = shadow;
  }
  issues.push(...parser.issues);
  if (issues.length > 0) throw new PolicyFileError(issues, format);

  out.version = policyVersion({
    policies: out.policies,
    shadowPolicies: out.shadowPolicies,
    sampleOnFirstMatch: out.sampleOnFirstMatch ?? false,
  });
  return out;
}

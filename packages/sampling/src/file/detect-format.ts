import type { PolicyFileFormat } from './parse-policy';
import type { PolicyIssue } from './policy-file-error';

/** Top-level keys only an OTel `tail_sampling` block has. */
export const OTEL_ONLY_KEYS = [
  'num_traces',
  'expected_new_traces_per_sec',
  'decision_cache',
  'decision_wait_after_root_received',
  'block_on_overflow',
  'drop_pending_traces_on_shutdown',
  'maximum_trace_size_bytes',
  'sampling_strategy',
] as const;

/** Top-level keys only a Tailstream policy file has. */
export const TAILSTREAM_ONLY_KEYS = ['shadow_policies', 'decision_wait_after_root'] as const;

/** Which part of the document holds the policy settings, and in which format. */
export interface LocatedSettings {
  format: PolicyFileFormat;
  settings: Record<string, unknown>;
  /** Where the settings were found, e.g. `processors.tail_sampling/errors`. */
  origin: string;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTailSamplingKey(key: string): boolean {
  return key === 'tail_sampling' || key.startsWith('tail_sampling/');
}

/**
 * Finds the policy settings in a parsed YAML document:
 * - a full collector config (`processors:` with a `tail_sampling` or `tail_sampling/<name>`
 *   processor; `processor` picks one when there are several) → OTel;
 * - a pasted `tail_sampling:` (or `tail_sampling/<name>:`) block → OTel;
 * - a bare mapping with `policies` → OTel when it has an OTel-only key or a policy with a
 *   settings block named after its type, else Tailstream.
 * `format` forces the format of a bare mapping.
 */
export function locateSettings(
  doc: unknown,
  format: 'auto' | PolicyFileFormat,
  processor: string | undefined,
  issues: PolicyIssue[],
): LocatedSettings | undefined {
  if (!isMapping(doc)) {
    issues.push({ field: '', message: 'the policy file must be a YAML mapping' });
    return undefined;
  }
  if ('processors' in doc) {
    const processors = doc['processors'];
    if (!isMapping(processors)) {
      issues.push({ field: 'processors', message: 'must be a mapping of processor configs' });
      return undefined;
    }
    return pickProcessor(processors, 'processors.', processor, issues);
  }
  const tailKeys = Object.keys(doc).filter(isTailSamplingKey);
  if (tailKeys.length > 0) {
    const others = Object.keys(doc).filter((k) => !isTailSamplingKey(k));
    if (others.length > 0) {
      issues.push({
        field: others.join(', '),
        message: 'unexpected beside a tail_sampling block (paste the whole collector config or only the block)',
      });
      return undefined;
    }
    return pickProcessor(doc, '', processor, issues);
  }
  if (format !== 'auto') return { format, settings: doc, origin: '' };
  return { format: looksLikeOtel(doc) ? 'otel' : 'tailstream', settings: doc, origin: '' };
}

function pickProcessor(
  container: Record<string, unknown>,
  prefix: string,
  wanted: string | undefined,
  issues: PolicyIssue[],
): LocatedSettings | undefined {
  const names = Object.keys(container).filter(isTailSamplingKey);
  let chosen: string | undefined;
  if (wanted !== undefined) {
    chosen = names.includes(wanted) ? wanted : undefined;
    if (!chosen)
      issues.push({ field: `${prefix}${wanted}`, message: `no such processor; tail_sampling processors: ${names.join(', ') || 'none'}` });
  } else if (names.length === 1) {
    chosen = names[0];
  } else {
    issues.push({
      field: prefix.replace(/\.$/, '') || '',
      message:
        names.length === 0
          ? `no tail_sampling processor found; processors: ${Object.keys(container).join(', ') || 'none'}`
          : `several tail_sampling processors (${names.join(', ')}); choose one with the processor option`,
    });
  }
  if (chosen === undefined) return undefined;
  const settings = container[chosen];
  if (!isMapping(settings)) {
    issues.push({ field: `${prefix}${chosen}`, message: 'must be a mapping with policies' });
    return undefined;
  }
  return { format: 'otel', settings, origin: `${prefix}${chosen}` };
}

function looksLikeOtel(doc: Record<string, unknown>): boolean {
  if (OTEL_ONLY_KEYS.some((k) => k in doc)) return true;
  if (TAILSTREAM_ONLY_KEYS.some((k) => k in doc)) return false;
  const policies = doc['policies'];
  if (!Array.isArray(policies)) return false;
  return policies.some((p) => isMapping(p) && typeof p['type'] === 'string' && isMapping(p[p['type']]));
}

import type { z } from 'zod';
import type { PolicyIssue } from './policy-file-error';

/** Renders a zod path as `a.b[2].c`. */
export function renderPath(path: readonly PropertyKey[], prefix = ''): string {
  let out = prefix;
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

/**
 * Turns zod issues into PolicyIssues: paths prefixed with `prefix` (e.g. the OTel type block),
 * unknown fields reported with the allowed ones, missing fields as "required".
 */
export function fromZodIssues(
  issues: readonly z.core.$ZodIssue[],
  policy: string | undefined,
  prefix: string,
  allowedFields: readonly string[],
): PolicyIssue[] {
  const out: PolicyIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const allowed = issue.path.length === 0 ? allowedFields : [];
        out.push({
          policy,
          field: renderPath([...issue.path, key], prefix),
          message: `unknown field${allowed.length > 0 ? `; allowed fields: ${allowed.join(', ')}` : ''}`,
        });
      }
      continue;
    }
    let message = issue.message;
    const missing = /^Invalid input: expected (\w+), received undefined$/.exec(message);
    if (missing) message = `required (${missing[1]})`;
    out.push({ policy, field: renderPath(issue.path, prefix), message });
  }
  return out;
}

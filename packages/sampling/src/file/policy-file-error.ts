/** One problem found in a policy file. */
export interface PolicyIssue {
  /** The policy the problem is in, e.g. `policies[2] "slow" (latency)`; undefined at file level. */
  policy?: string;
  /** The field, relative to the policy (or the file), e.g. `latency.threshold_ms`; "" for the policy itself. */
  field: string;
  message: string;
}

/** Renders an issue as one line: `<policy>: <field>: <message>`. */
export function formatIssue(issue: PolicyIssue): string {
  return [issue.policy, issue.field || undefined, issue.message].filter((p) => p !== undefined).join(': ');
}

/** A policy file that cannot be used; `issues` lists every problem found (message: the first ones). */
export class PolicyFileError extends Error {
  readonly code = 'POLICY_FILE_INVALID';
  readonly retryable = false;

  constructor(
    readonly issues: readonly PolicyIssue[],
    readonly format?: string,
  ) {
    const shown = issues.slice(0, 20).map((i) => `  - ${formatIssue(i)}`);
    if (issues.length > 20) shown.push(`  - ... and ${issues.length - 20} more`);
    super(`invalid policy file${format ? ` (${format} format)` : ''}:\n${shown.join('\n')}`);
    this.name = 'PolicyFileError';
  }
}

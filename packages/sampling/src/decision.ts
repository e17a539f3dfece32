/**
 * The vote of one policy on one trace, as in the OpenTelemetry Collector tail sampling
 * processor. `InvertSampled` / `InvertNotSampled` come from `invert_match` on the attribute
 * policies at the top level and have their own combination rules (see combine.ts).
 */
export enum Decision {
  NotSampled = 0,
  Sampled = 1,
  InvertSampled = 2,
  InvertNotSampled = 3,
  /** Only from a `drop` policy: vetoes the trace. */
  Dropped = 4,
}

/** True for the votes that keep a trace inside and/composite (plain or inverted sampled). */
export function isSampledVote(decision: Decision): boolean {
  return decision === Decision.Sampled || decision === Decision.InvertSampled;
}

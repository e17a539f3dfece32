import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicyFile } from '@tailstream/sampling';
import { loadSamplerConfig, type SamplerConfig } from '../config';

/** Decision timing short enough for tests (ms). */
export const FAST_DECISIONS = {
  'decision.waitMs': 1500,
  'decision.waitAfterRootMs': 300,
  'decision.tickMs': 100,
  'decision.idleAdvanceMs': 300,
} as const;

/** Keeps traces with an error span (OTel Collector format). */
export const ERRORS_POLICY = `tail_sampling:
  policies:
    - name: errors
      type: status_code
      status_code:
        status_codes: [ERROR]
`;

/** ERRORS_POLICY plus an always_sample policy named `everything`. */
export const ERRORS_AND_EVERYTHING_POLICY = `${ERRORS_POLICY}    - name: everything
      type: always_sample
`;

/** A policy file in a fresh temp dir; returns its path. */
export function writePolicyFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'sampler-it-')), 'policies.yaml');
  writeFileSync(file, text);
  return file;
}

/** The version the sampler will report for a policy file text. */
export function policyVersionOf(text: string): string {
  return loadPolicyFile(text).version;
}

export interface TestSamplerOptions {
  brokers: string;
  prefix: string;
  groupId: string;
  policyFile: string;
  partitions: number;
  overrides?: Record<string, unknown>;
}

/** An in-process sampler config for tests: ops on a free port, fast decisions, quick policy reloads. */
export function testSamplerConfig(o: TestSamplerOptions): SamplerConfig {
  return loadSamplerConfig({
    env: {},
    overrides: {
      'kafka.brokers': o.brokers.split(','),
      'kafka.topicPrefix': o.prefix,
      'ops.port': 0,
      groupId: o.groupId,
      'policy.file': o.policyFile,
      'policy.reloadIntervalMs': 200,
      'topics.partitions': o.partitions,
      'output.lingerMs': 2,
      ...FAST_DECISIONS,
      ...o.overrides,
    },
  });
}

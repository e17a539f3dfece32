import { readFileSync } from 'node:fs';
import { loadPolicyFile, PolicyEngine, type LoadedPolicyFile } from '@tailstream/sampling';
import type { Logger } from '@tailstream/telemetry';
import { otlpAttributeReader } from './attribute-reader';
import type { SamplerMetrics } from './metrics';

/**
 * Holds the active policy engine and hot-reloads the policy file: a changed, valid file replaces
 * the engine at the next decision (no restart); an invalid one is refused, logged and counted,
 * and the previous policies stay active. The active version is in logs and the
 * `tailstream_sampler_policy_info` metric.
 */
export class PolicyHolder {
  private current: { engine: PolicyEngine; file: LoadedPolicyFile; text: string };
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly path: string,
    private readonly metrics: SamplerMetrics,
    private readonly logger: Logger,
  ) {
    const text = readFileSync(path, 'utf8');
    this.current = this.build(text);
    this.announce();
  }

  get engine(): PolicyEngine {
    return this.current.engine;
  }

  get file(): LoadedPolicyFile {
    return this.current.file;
  }

  get version(): string {
    return this.current.file.version;
  }

  /** Checks the file every `intervalMs` (0: never). */
  watch(intervalMs: number): void {
    if (intervalMs <= 0) return;
    this.timer = setInterval(() => this.reload(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Re-reads the file; returns true when a new version became active. */
  reload(): boolean {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      this.metrics.policyReloads.inc({ outcome: 'unreadable' });
      this.logger.error({ err: error, file: this.path }, 'policy file unreadable; keeping the active policies');
      return false;
    }
    if (text === this.current.text) return false;
    try {
      const next = this.build(text);
      if (next.file.version === this.current.file.version) {
        this.current = { ...this.current, text };
        return false;
      }
      const previous = this.current.file.version;
      this.metrics.policyInfo.reset();
      this.current = next;
      this.metrics.policyReloads.inc({ outcome: 'applied' });
      this.announce(previous);
      return true;
    } catch (error) {
      this.metrics.policyReloads.inc({ outcome: 'invalid' });
      this.logger.error({ err: error, file: this.path, active: this.current.file.version }, 'policy file invalid; keeping the active policies');
      return false;
    }
  }

  private build(text: string): { engine: PolicyEngine; file: LoadedPolicyFile; text: string } {
    const file = loadPolicyFile(text);
    const engine = new PolicyEngine({
      policies: file.policies,
      shadowPolicies: file.shadowPolicies,
      version: file.version,
      reader: otlpAttributeReader,
      sampleOnFirstMatch: file.sampleOnFirstMatch,
      onEvaluationError: (policy, error, shadow) => {
        this.metrics.evaluationErrors.inc({ policy, set: shadow ? 'shadow' : 'active' });
        this.logger.debug({ policy, shadow, err: error }, 'policy evaluation failed');
      },
    });
    return { engine, file, text };
  }

  private announce(previous?: string): void {
    const f = this.current.file;
    this.metrics.policyInfo.set({ version: f.version, format: f.format }, 1);
    this.logger.info(
      {
        file: this.path,
        version: f.version,
        previous,
        format: f.format,
        policies: f.policies.map((p) => p.name),
        shadowPolicies: f.shadowPolicies?.map((p) => p.name) ?? [],
        ignored: f.ignored,
      },
      previous ? 'policies reloaded' : 'policies loaded',
    );
  }
}

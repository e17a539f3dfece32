import type { Logger } from 'pino';

/** One step of an ordered shutdown, e.g. "stop intake" or "commit offsets". */
export interface ShutdownStep {
  name: string;
  run: () => Promise<void> | void;
}

/**
 * Runs shutdown steps in registration order, once, each bounded by a timeout; a failing step is
 * logged and the next one still runs. Wire it to SIGTERM/SIGINT with `onSignals`.
 */
export class Shutdown {
  private readonly steps: ShutdownStep[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly stepTimeoutMs = 30000,
  ) {}

  add(name: string, run: ShutdownStep['run']): void {
    this.steps.push({ name, run });
  }

  get started(): boolean {
    return this.running !== undefined;
  }

  run(reason: string): Promise<void> {
    this.running ??= this.runSteps(reason);
    return this.running;
  }

  /** Starts the shutdown on SIGTERM/SIGINT; a second signal exits at once. */
  onSignals(exit: (code: number) => void = (code) => process.exit(code)): void {
    const handler = (signal: NodeJS.Signals): void => {
      if (this.started) {
        this.logger.warn({ signal }, 'second signal: exiting immediately');
        exit(130);
        return;
      }
      void this.run(signal).then(() => exit(0));
    };
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
  }

  private async runSteps(reason: string): Promise<void> {
    this.logger.info({ reason }, 'shutting down');
    for (const step of this.steps) {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(step.run),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`timed out after ${this.stepTimeoutMs} ms`)), this.stepTimeoutMs);
          }),
        ]);
        this.logger.info({ step: step.name, ms: Date.now() - started }, 'shutdown step done');
      } catch (error) {
        this.logger.error({ step: step.name, err: error }, 'shutdown step failed');
      } finally {
        if (timer) clearTimeout(timer);
      }
    }
    this.logger.info('shutdown complete');
  }
}

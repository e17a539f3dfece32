import type { SpanProducer } from './kafka-io';
import { makeTrace, type TestTrace } from './traces';

export interface TrafficOptions {
  seed: number;
  /** A new trace starts this often (ms). */
  startEveryMs: number;
  /** Gap between the records of one trace (ms). */
  recordGapMs: number;
  /** Records per trace (the root comes with the last one). */
  recordsPerTrace: number;
}

/**
 * Produces traces continuously, the way services report them: each trace's spans arrive in several
 * records spread over time (root last), several traces in flight at once. `stop()` starts no new
 * trace and resolves once every started trace has all its records written.
 */
export class Traffic {
  /** Every trace started, in start order. */
  readonly traces: TestTrace[] = [];
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly producer: SpanProducer,
    private readonly options: TrafficOptions,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    const inFlight: { trace: TestTrace; next: number; dueAt: number }[] = [];
    let nextStart = Date.now();
    while (!this.stopping || inFlight.length > 0) {
      const now = Date.now();
      if (!this.stopping && now >= nextStart) {
        const index = this.traces.length;
        const trace = makeTrace({
          seed: this.options.seed,
          index,
          spanCount: 3 + (index % 4),
          records: this.options.recordsPerTrace,
          errorSpans: index % 3 === 0 ? [1] : [],
          services: ['edge', 'orders', 'stock'],
        });
        this.traces.push(trace);
        inFlight.push({ trace, next: 0, dueAt: now });
        nextStart = now + this.options.startEveryMs;
      }
      const due = inFlight.filter((f) => f.dueAt <= now);
      for (const f of due) {
        const batch = f.trace.batches[f.next];
        if (batch) await this.producer.send([batch]);
        f.next++;
        f.dueAt = Date.now() + this.options.recordGapMs;
        if (f.next >= f.trace.batches.length) inFlight.splice(inFlight.indexOf(f), 1);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

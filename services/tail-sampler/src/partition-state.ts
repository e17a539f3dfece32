import { TraceBuffer, type MemoryBudget, type TraceBufferConfig } from '@tailstream/assembly';

/**
 * One assigned partition of the spans topic: its trace buffer, its clock and its replay mark.
 *
 * The clock is event time: the largest Kafka record timestamp seen (set by ingest when it wrote
 * the record), so decision timing depends on the records, not on when they are read, and a replay
 * after a crash decides the same traces with the same spans. When the partition is idle, the clock
 * advances with wall time so the last traces still get decided.
 */
export class PartitionState {
  readonly buffer: TraceBuffer;
  clockMs = 0;
  /** Wall time of the last record or idle advance. */
  lastProgressWallMs = Date.now();
  /** Records below this offset were fully handled before (by a previous owner or run). */
  readonly replayMark: bigint;
  /** Next offset after the last record handled in this run. */
  handledUpTo: bigint | undefined;
  lastCommitted: bigint | undefined;
  /** First record read since assignment (where to restart when output fails before any commit). */
  firstOffset: bigint | undefined;
  /** After a failed output: records are ignored until the re-read reaches this offset again. */
  awaitingOffset: bigint | undefined;
  /** True when the last fetched batch reached the partition's high watermark (nothing more was written then). */
  caughtUp = false;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly topic: string,
    readonly partition: number,
    budget: MemoryBudget,
    config: Partial<TraceBufferConfig>,
    replayMark: bigint,
  ) {
    this.buffer = new TraceBuffer({ budget, config });
    this.replayMark = replayMark;
  }

  /** Runs `work` after any work already queued on this partition (record batches and ticks never interleave). */
  exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Moves the clock forward to a record timestamp (never backwards). */
  observe(timestampMs: number): void {
    if (timestampMs > this.clockMs) this.clockMs = timestampMs;
    this.lastProgressWallMs = Date.now();
  }

  /**
   * When the partition is idle (its last fetch reached the high watermark and nothing came for
   * `idleMs`), advances the clock by the wall time since the last progress. A lagging consumer never
   * advances by wall time: records already written would otherwise find their trace decided.
   */
  advanceIfIdle(idleMs: number, nowWallMs = Date.now()): boolean {
    const idle = nowWallMs - this.lastProgressWallMs;
    if (!this.caughtUp || idle < idleMs || this.clockMs === 0) return false;
    this.clockMs += idle;
    this.lastProgressWallMs = nowWallMs;
    return true;
  }

  /**
   * Offset to commit and the metadata recording how far this run handled records. The offset is the
   * first one still held by a trace; when no trace is held, the end of the handled records: late,
   * replay-skipped and dead-lettered records never enter the buffer, yet they are done once
   * `handledUpTo` passed them (their output was acknowledged first).
   */
  commitPoint(): { offset: bigint; metadata: string } | undefined {
    const offset = this.buffer.safeCommitOffset() ?? this.handledUpTo ?? this.buffer.commitOffset();
    if (offset === undefined) return undefined;
    const mark = this.handledUpTo ?? offset;
    return { offset, metadata: encodeReplayMark(mark > this.replayMark ? mark : this.replayMark) };
  }
}

const MARK_PREFIX = 'tailstream-handled-upto=';

export function encodeReplayMark(offset: bigint): string {
  return `${MARK_PREFIX}${offset}`;
}

/** Reads the replay mark from committed offset metadata (0 when absent or foreign). */
export function decodeReplayMark(metadata: string | null | undefined): bigint {
  if (!metadata?.startsWith(MARK_PREFIX)) return 0n;
  try {
    return BigInt(metadata.slice(MARK_PREFIX.length));
  } catch {
    return 0n;
  }
}

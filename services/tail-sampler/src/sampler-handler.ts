import { MemoryBudget, type TraceBufferConfig } from '@tailstream/assembly';
import { SCHEMA_HEADER, spanBatchCodec } from '@tailstream/avro';
import { headerString, type DeadLetterWriter, type PartitionBatch, type PartitionHandler } from '@tailstream/kafka';
import type { Logger } from '@tailstream/telemetry';
import type { DecisionCache } from './decision-cache';
import type { DecisionsTailer } from './decisions-tailer';
import type { DecisionEmitter } from './emitter';
import type { SamplerMetrics } from './metrics';
import { decodeReplayMark, PartitionState } from './partition-state';
import type { PolicyHolder } from './policy-holder';

export interface SamplerHandlerDeps {
  cache: DecisionCache;
  tailer: DecisionsTailer;
  emitter: DecisionEmitter;
  policies: PolicyHolder;
  deadLetters: DeadLetterWriter;
  metrics: SamplerMetrics;
  logger: Logger;
  budget: MemoryBudget;
  bufferConfig: () => Partial<TraceBufferConfig>;
  /** Committed offset metadata of a partition (for the replay mark). */
  committedMetadata: (topic: string, partition: number) => Promise<string | null>;
  commit: (topic: string, partition: number, offset: bigint, metadata: string) => Promise<void>;
  seek: (topic: string, partition: number, offset: bigint) => void;
  /** Current high watermarks of a topic's partitions, asked from the broker. */
  highWatermarks: (topic: string) => Promise<Map<number, bigint>>;
  idleAdvanceMs: number;
  catchUpTimeoutMs: number;
}

/**
 * The tail-sampler's work on its partitions of the spans topic: assemble traces, decide those due,
 * route late spans by the cached decision, and commit up to the first offset still held by an
 * undecided trace once the output is acknowledged.
 */
export class SamplerHandler implements PartitionHandler {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly codec = spanBatchCodec();
  /** Cache evictions already added to the evictions counter. */
  private reportedEvictions = 0;

  constructor(private readonly deps: SamplerHandlerDeps) {}

  async onAssigned(topic: string, partition: number): Promise<void> {
    const caughtUp = await this.deps.tailer.waitFor(partition, this.deps.catchUpTimeoutMs);
    const mark = decodeReplayMark(await this.deps.committedMetadata(topic, partition));
    const state = new PartitionState(topic, partition, this.deps.budget, this.deps.bufferConfig(), mark);
    this.partitions.set(`${topic}:${partition}`, state);
    this.deps.logger.info({ topic, partition, replayMark: String(mark), decisionCacheCaughtUp: caughtUp }, 'partition assigned');
  }

  async onRevoked(topic: string, partition: number): Promise<void> {
    const key = `${topic}:${partition}`;
    const state = this.partitions.get(key);
    if (!state) return;
    this.partitions.delete(key);
    await state.exclusive(async () => {
      // Undecided traces are dropped, never emitted half done: the next owner replays them from the commit.
      const dropped = state.buffer.close();
      this.deps.logger.info({ topic, partition, droppedTraces: dropped.droppedTraces, commitOffset: String(dropped.commitOffset ?? '') }, 'partition revoked');
    });
    this.updateGauges();
  }

  async handleBatch(batch: PartitionBatch): Promise<void> {
    const state = this.partitions.get(`${batch.topic}:${batch.partition}`);
    if (!state) throw new Error(`partition ${batch.topic}:${batch.partition} was not initialised`);
    await state.exclusive(() => this.process(state, batch));
  }

  /**
   * Periodic: advances the clocks of idle partitions and emits traces that became due. A partition
   * counts as idle only when the broker confirms it has nothing unread (its high watermark is what
   * this instance handled), so a lagging or stalled consumer never decides by wall time.
   */
  async tick(): Promise<void> {
    const now = Date.now();
    const candidates = [...this.partitions.values()].filter((s) => s.caughtUp && now - s.lastProgressWallMs >= this.deps.idleAdvanceMs);
    const idle = new Set<PartitionState>();
    for (const topic of new Set(candidates.map((s) => s.topic))) {
      const marks = await this.deps.highWatermarks(topic).catch(() => new Map<number, bigint>());
      for (const s of candidates) {
        const hw = marks.get(s.partition);
        if (s.topic === topic && hw !== undefined && s.handledUpTo !== undefined && s.handledUpTo >= hw) idle.add(s);
      }
    }
    await Promise.all(
      [...this.partitions.values()].map((state) =>
        state.exclusive(async () => {
          if (idle.has(state)) state.advanceIfIdle(this.deps.idleAdvanceMs);
          try {
            await this.decideDue(state);
          } catch (error) {
            this.recover(state, error, 'tick');
          }
        }),
      ),
    );
    this.updateGauges();
  }

  /** Partitions currently held. */
  get assigned(): string[] {
    return [...this.partitions.keys()];
  }

  private async process(state: PartitionState, batch: PartitionBatch): Promise<void> {
    const { cache, emitter, metrics } = this.deps;
    const pending: Promise<void>[] = [];
    let redelivered = 0;
    let lastHandled: bigint | undefined;
    try {
      for (const message of batch.messages) {
        const offset = BigInt(message.offset);
        // After a failed output: records fetched before the seek took effect come again from the restart offset.
        if (state.awaitingOffset !== undefined) {
          if (offset !== state.awaitingOffset) continue;
          state.awaitingOffset = undefined;
        }
        // After a rebalance kafkajs restarts every partition it kept at its last commit, which stays
        // below records held by undecided traces: this state handled those records already (they
        // are in its buffer, or decided, or forwarded late), so they are not handled twice.
        if (state.handledUpTo !== undefined && offset < state.handledUpTo) {
          redelivered++;
          continue;
        }
        state.observe(Number(message.timestamp));
        if (state.firstOffset === undefined) state.firstOffset = offset;
        lastHandled = offset;
        let spans;
        try {
          // Spans are read lazily and held as their Avro bytes until decided, in place in the
          // fetched buffer; the trace buffer copies those of long-undecided traces (memory.detachAfterMs).
          spans = this.codec.decodeLazy(message.value ?? EMPTY, headerString(message.headers, SCHEMA_HEADER));
        } catch (error) {
          metrics.deadLettered.inc({ reason: 'undecodable_span_batch' });
          pending.push(
            this.deps.deadLetters.send({
              sourceTopic: batch.topic,
              sourcePartition: batch.partition,
              sourceOffset: message.offset,
              reason: 'undecodable_span_batch',
              error: (error as Error).message,
              key: message.key,
              value: message.value,
            }),
          );
          continue;
        }
        metrics.spansIn.inc(spans.spans.length);
        const decided = cache.get(spans.traceId);
        if (decided) {
          if (offset < state.replayMark) {
            metrics.replaySkipped.inc(spans.spans.length);
          } else if (decided.sampled) {
            metrics.lateSpans.inc({ outcome: 'forwarded' }, spans.spans.length);
            pending.push(emitter.forwardLate(spans, { traceId: spans.traceId, decidedAtUnixMs: 0n, ...decided }));
          } else {
            metrics.lateSpans.inc({ outcome: 'dropped' }, spans.spans.length);
          }
          continue;
        }
        const added = state.buffer.add(spans, offset, state.clockMs);
        if (added < spans.spans.length) metrics.duplicateSpans.inc(spans.spans.length - added);
      }
      if (redelivered > 0) {
        this.deps.logger.debug({ topic: state.topic, partition: state.partition, redelivered }, 'skipped records already handled');
      }
      await Promise.all(pending);
      if (lastHandled !== undefined) {
        const next = lastHandled + 1n;
        if (state.handledUpTo === undefined || next > state.handledUpTo) state.handledUpTo = next;
        state.caughtUp = state.handledUpTo >= BigInt(batch.highWatermark);
      }
      await this.decideDue(state);
    } catch (error) {
      // Not rethrown: kafkajs would retry this same batch; the seek in recover() re-reads from the commit instead.
      this.recover(state, error, 'batch');
      return;
    }
    this.updateGauges();
  }

  /**
   * Output was not acknowledged: forget this partition's in-memory state and read it again from
   * the last commit (or, before any commit, from the first record read since assignment), so the
   * traces taken out of the buffer for the failed output are assembled and decided again.
   */
  private recover(state: PartitionState, error: unknown, where: 'batch' | 'tick'): void {
    const restart = state.lastCommitted ?? state.firstOffset;
    this.deps.logger.error({ err: error, topic: state.topic, partition: state.partition, where, restart: String(restart ?? '') }, 'output failed; replaying the partition from its last commit');
    state.buffer.drain();
    // The clock is rebuilt from the records read again, as it was built the first time.
    state.clockMs = 0;
    // The dropped traces' records are below it: no commit may pass them before they are read again.
    state.handledUpTo = undefined;
    if (restart !== undefined) {
      state.awaitingOffset = restart;
      this.deps.seek(state.topic, state.partition, restart);
    }
  }

  private async decideDue(state: PartitionState): Promise<void> {
    const due = state.buffer.poll(state.clockMs);
    await this.deps.emitter.emit(due, this.deps.policies.engine);
    // Emitted: the memory their spans were read from may be reused (not after a failed output: never reused then).
    state.buffer.release(due);
    const point = state.commitPoint();
    if (point && (state.lastCommitted === undefined || point.offset > state.lastCommitted || due.length > 0)) {
      await this.deps.commit(state.topic, state.partition, point.offset, point.metadata);
      state.lastCommitted = point.offset;
    }
  }

  private updateGauges(): void {
    const { metrics, budget, cache } = this.deps;
    metrics.bufferedTraces.set(budget.traces);
    metrics.bufferedSpans.set(budget.spans);
    metrics.bufferedBytes.set(budget.bytes);
    metrics.decisionCacheSize.set(cache.size);
    const evicted = cache.evicted;
    if (evicted > this.reportedEvictions) {
      metrics.decisionCacheEvictions.inc(evicted - this.reportedEvictions);
      this.reportedEvictions = evicted;
    }
  }
}

const EMPTY = Buffer.alloc(0);

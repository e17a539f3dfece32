import { decisionCodec, keptSpanBatchCodec, traceSummaryCodec } from '@tailstream/avro';
import { summarize, type DecidedTrace } from '@tailstream/assembly';
import type { BatchingProducer, TopicNames } from '@tailstream/kafka';
import { toHex, type SamplingDecision, type SpanBatch } from '@tailstream/model';
import type { EngineDecision, PolicyEngine } from '@tailstream/sampling';
import type { DecisionCache } from './decision-cache';
import type { SamplerMetrics } from './metrics';

/**
 * Turns decided traces into the sampler's output: kept spans (split into messages of at most
 * `maxSpansPerMessage` spans) and a summary for kept traces, and a decision for every trace.
 * Resolves when Kafka acknowledged all of it.
 */
export class DecisionEmitter {
  private readonly kept = keptSpanBatchCodec();
  private readonly summaries = traceSummaryCodec();
  private readonly decisions = decisionCodec();

  constructor(
    private readonly producer: BatchingProducer,
    private readonly topics: Pick<TopicNames, 'sampledSpans' | 'traceSummaries' | 'decisions'>,
    private readonly cache: DecisionCache,
    private readonly metrics: SamplerMetrics,
    private readonly maxSpansPerMessage: number,
  ) {}

  /** Decides and emits the traces; returns when every message is acknowledged. */
  async emit(traces: readonly DecidedTrace[], engine: PolicyEngine): Promise<void> {
    if (traces.length === 0) return;
    const sends: Promise<void>[] = [];
    const decided: SamplingDecision[] = [];
    // Counted per label set once per call: prom-client hashes the labels on every inc().
    const byOutcome = new Map<string, { policy: string; outcome: string; count: number }>();
    const byReason = new Map<string, number>();
    for (const trace of traces) {
      const outcome = engine.evaluate(trace);
      this.countShadow(engine, trace);
      const decision = toDecision(trace, outcome, engine.version);
      decided.push(decision);
      const policy = decision.policy || 'none';
      const outcomeLabel = decision.sampled ? 'kept' : 'dropped';
      const labels = `${policy}\u0000${outcomeLabel}`;
      const counted = byOutcome.get(labels);
      if (counted) counted.count++;
      else byOutcome.set(labels, { policy, outcome: outcomeLabel, count: 1 });
      byReason.set(trace.reason, (byReason.get(trace.reason) ?? 0) + 1);
      this.metrics.decisionLatency.observe(Math.max(0, trace.decidedAtMs - trace.firstArrivalMs) / 1000);
      const key = toHex(trace.traceId);
      if (decision.sampled) {
        const batch: SpanBatch = {
          traceId: trace.traceId,
          resources: [...trace.resources],
          scopes: [...trace.scopes],
          spans: [...trace.spans],
          receivedAtUnixNano: trace.receivedAtUnixNano,
        };
        sends.push(this.sendKept(key, decision, batch));
        const summary = summarize(trace, decision);
        sends.push(this.producer.send(this.topics.traceSummaries, { key, value: this.summaries.encode(summary), headers: this.summaries.headers }));
      }
      sends.push(this.producer.send(this.topics.decisions, { key, value: this.decisions.encode(decision), headers: this.decisions.headers }));
    }
    for (const { policy, outcome, count } of byOutcome.values()) this.metrics.decisions.inc({ policy, outcome }, count);
    for (const [reason, count] of byReason) this.metrics.decisionReasons.inc({ reason }, count);
    await Promise.all(sends);
    // Only acknowledged decisions route late spans: after a failed output the traces are assembled again.
    for (const decision of decided) this.cache.set(decision.traceId, decision);
  }

  /** Forwards late spans of a kept trace with the cached decision. */
  forwardLate(batch: SpanBatch, decision: SamplingDecision): Promise<void> {
    return this.sendKept(toHex(batch.traceId), decision, batch);
  }

  private sendKept(key: string, decision: SamplingDecision, batch: SpanBatch): Promise<void> {
    const sends: Promise<void>[] = [];
    for (let i = 0; i < batch.spans.length; i += this.maxSpansPerMessage) {
      const chunk = i === 0 && batch.spans.length <= this.maxSpansPerMessage ? batch : { ...batch, spans: batch.spans.slice(i, i + this.maxSpansPerMessage) };
      sends.push(this.producer.send(this.topics.sampledSpans, { key, value: this.kept.encode({ decision, batch: chunk }), headers: this.kept.headers }));
    }
    return Promise.all(sends).then(() => undefined);
  }

  private countShadow(engine: PolicyEngine, trace: DecidedTrace): void {
    if (!engine.hasShadow) return;
    const shadow = engine.evaluateShadow(trace);
    if (!shadow) return;
    this.metrics.shadowEvaluated.inc();
    if (shadow.sampled) this.metrics.shadowWouldKeep.inc({ policy: shadow.policy || 'none' });
  }
}

function toDecision(trace: DecidedTrace, outcome: EngineDecision, version: string): SamplingDecision {
  return {
    traceId: trace.traceId,
    sampled: outcome.sampled,
    policy: outcome.policy,
    policyVersion: version,
    adjustedCount: outcome.sampled ? outcome.adjustedCount : 0,
    spanCount: trace.spanCount,
    decidedAtUnixMs: BigInt(Date.now()),
  };
}

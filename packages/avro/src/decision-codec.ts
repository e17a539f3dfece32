import type { Type } from 'avsc';
import type { SamplingDecision } from '@tailstream/model';
import { AvroWriter } from './binary';
import { AvroCodec } from './codec';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Appends a SamplingDecision in the `sampling-decision.v1` schema, the bytes avsc writes for it,
 * without avsc's per-call buffer: every decided trace gets one (decisions topic) and every kept
 * trace a second (in front of its kept spans). Returns false, having written nothing, for a value
 * outside the schema's usual range (a span count that is not an int32, a trace ID that is not a
 * Buffer): callers then let avsc encode it, so such values behave exactly as before.
 */
export function writeSamplingDecision(w: AvroWriter, d: SamplingDecision): boolean {
  const spanCount = d.spanCount;
  const at = d.decidedAtUnixMs;
  if (!Buffer.isBuffer(d.traceId) || (spanCount | 0) !== spanCount || typeof at !== 'bigint' || at < INT64_MIN || at > INT64_MAX) return false;
  if (typeof d.policy !== 'string' || typeof d.policyVersion !== 'string' || typeof d.adjustedCount !== 'number' || typeof d.sampled !== 'boolean') return false;
  w.bytes(d.traceId);
  w.boolean(d.sampled);
  w.string(d.policy);
  w.string(d.policyVersion);
  w.double(d.adjustedCount);
  w.int(spanCount);
  w.long(d.decidedAtUnixMs);
  return true;
}

/** Appends the decision: through writeSamplingDecision, or as `type` (avsc) encodes it when that declines. */
export function appendSamplingDecision(w: AvroWriter, d: SamplingDecision, type: Type): void {
  if (writeSamplingDecision(w, d)) return;
  const bytes = type.toBuffer(d);
  w.raw(bytes, 0, bytes.length);
}

/** The decisions topic's codec: encodes through appendSamplingDecision, decodes (any version) through avsc. */
export class SamplingDecisionCodec extends AvroCodec<SamplingDecision> {
  private readonly writer = new AvroWriter(256);

  override encode(value: SamplingDecision): Buffer {
    const w = this.writer;
    w.reset();
    appendSamplingDecision(w, value, this.type);
    return w.take();
  }
}

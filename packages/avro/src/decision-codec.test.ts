import type { SamplingDecision } from '@tailstream/model';
import { mulberry32 } from '@tailstream/test-harness/random';
import { AvroWriter } from './binary';
import { loadType } from './codec';
import { decisionCodec, keptSpanBatchCodec, spanBatchCodec } from './codecs';
import { writeSamplingDecision } from './decision-codec';
import { writeSpanBatch } from './span-batch-codec';

const avsc = loadType('sampling-decision.v1');
const rand = mulberry32(20261126);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;

function randomDecision(): SamplingDecision {
  const sampled = rand() < 0.5;
  return {
    traceId: Buffer.from(Array.from({ length: 16 }, () => Math.floor(rand() * 256))),
    sampled,
    policy: pick(['', 'errors', 'baseline', 'a-policy-name-longer-than-twenty-one', 'schön', '政策', 'x'.repeat(300)]),
    policyVersion: pick(['', 'v1', 'b3c2d1e0f9a8b7c6', 'ü'.repeat(30)]),
    adjustedCount: sampled ? pick([1, 20, 1 / 0.05, 3.3333333333333335, 0.5, 1e300, Number.MIN_VALUE]) : 0,
    spanCount: pick([0, 1, 63, 64, 8191, 8192, 2 ** 31 - 1, -1, -(2 ** 31)]),
    decidedAtUnixMs: pick([0n, 1n, -1n, 1764163200000n, 2n ** 62n, 2n ** 63n - 1n, -(2n ** 63n)]),
  };
}

/** What avsc writes, or the error it throws. */
function avscBytes(d: SamplingDecision): Buffer | string {
  try {
    return avsc.toBuffer(d);
  } catch (error) {
    return String(error);
  }
}

describe('writeSamplingDecision', () => {
  it('writes the bytes avsc writes, for 500 random decisions (long and non-ASCII strings, extreme numbers)', () => {
    const w = new AvroWriter(16);
    for (let i = 0; i < 500; i++) {
      const d = randomDecision();
      w.reset();
      expect(writeSamplingDecision(w, d)).toBe(true);
      expect([i, w.take().toString('hex')]).toEqual([i, (avscBytes(d) as Buffer).toString('hex')]);
    }
  });

  it('leaves values outside the usual range to avsc, so they encode (or fail) as before', () => {
    const codec = decisionCodec();
    const base = randomDecision();
    const odd: SamplingDecision[] = [
      { ...base, spanCount: 2 ** 31 },
      { ...base, spanCount: 1.5 },
      { ...base, decidedAtUnixMs: 2n ** 63n },
      { ...base, traceId: new Uint8Array(16) as Buffer },
    ];
    const w = new AvroWriter();
    for (const d of odd) {
      w.reset();
      expect(writeSamplingDecision(w, d)).toBe(false);
      expect(w.pos).toBe(0);
      let ours: Buffer | string;
      try {
        ours = codec.encode(d);
      } catch (error) {
        ours = String(error);
      }
      expect(ours).toEqual(avscBytes(d));
    }
  });

  it('the decisions codec and the kept-span codec put the same decision bytes in their messages', () => {
    const batch = spanBatchCodec().decode(
      spanBatchCodec().encode({ traceId: Buffer.alloc(16, 7), resources: [], scopes: [], spans: [], receivedAtUnixNano: 5n }),
      'span-batch.v2',
    );
    for (let i = 0; i < 50; i++) {
      const d = randomDecision();
      const expected = avscBytes(d) as Buffer;
      expect(decisionCodec().encode(d).equals(expected)).toBe(true);
      const w = new AvroWriter();
      writeSpanBatch(w, batch);
      const kept = keptSpanBatchCodec().encode({ decision: d, batch });
      expect(kept.equals(Buffer.concat([expected, w.take()]))).toBe(true);
      expect(keptSpanBatchCodec().decode(kept, 'kept-span-batch.v1').decision).toEqual(d);
    }
  });
});

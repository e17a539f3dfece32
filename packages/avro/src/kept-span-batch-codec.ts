import type { Type } from 'avsc';
import type { KeptSpanBatch, SamplingDecision } from '@tailstream/model';
import { AvroFormatError, AvroReader, AvroWriter } from './binary';
import { SCHEMA_HEADER, SchemaError } from './codec';
import { appendSamplingDecision } from './decision-codec';
import { writeSpanBatch, type SpanBatchCodec } from './span-batch-codec';

/**
 * KeptSpanBatch (sampled-spans topic): a record of the SamplingDecision followed by the
 * SpanBatch, which in Avro binary is simply the two encodings one after the other. Both are
 * written into one buffer by specialised writers (writeSamplingDecision, then the SpanBatchCodec's,
 * so kept spans read lazily by the sampler are copied out as the bytes they came in); decisions
 * outside the usual range go through avsc. Decoding reads the decision with avsc.
 */
export class KeptSpanBatchCodec {
  readonly schemaId = 'kept-span-batch.v1';
  private readonly writer = new AvroWriter();

  constructor(
    private readonly decisionType: Type,
    private readonly batches: SpanBatchCodec,
  ) {}

  get headers(): Record<string, string> {
    return { [SCHEMA_HEADER]: this.schemaId };
  }

  encode(value: KeptSpanBatch): Buffer {
    const w = this.writer;
    w.reset();
    appendSamplingDecision(w, value.decision, this.decisionType);
    writeSpanBatch(w, value.batch);
    return w.take();
  }

  /** Decodes with plain spans; bytes fields are views into `buf`. */
  decode(buf: Buffer, writerId: string | undefined): KeptSpanBatch {
    if (writerId !== this.schemaId) {
      throw new SchemaError(
        writerId ? `unknown writer schema ${writerId}; this reader knows ${this.schemaId}` : `message has no ${SCHEMA_HEADER} header; expected ${this.schemaId}`,
      );
    }
    try {
      const { value, offset } = this.decisionType.decode(buf, 0) as { value: SamplingDecision | undefined; offset: number };
      if (value === undefined || offset < 0) throw new AvroFormatError('truncated: the decision does not fit in the message');
      const r = new AvroReader(buf, offset);
      const batch = this.batches.readFrom(r, 'span-batch.v2', false);
      r.expectEnd();
      return { decision: value, batch };
    } catch (cause) {
      if (cause instanceof SchemaError) throw cause;
      throw new SchemaError(`cannot decode ${this.schemaId} value: ${(cause as Error).message}`, { cause });
    }
  }
}

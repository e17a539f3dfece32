import { SPAN_BATCH_SCHEMA_ID, spanBatchCodec } from '@tailstream/avro';
import type { SpanBatch } from '@tailstream/model';
import type { TraceBatchMessage } from '@tailstream/otlp';
import type { SpanBatchWriter } from '../span-writer';

/**
 * Stands in for the Kafka writer in receiver tests (Kafka itself is covered by the integration
 * tests): keeps every message it is given, decoded back into a SpanBatch, or fails on demand.
 */
export class RecordingWriter {
  written: SpanBatch[] = [];
  pendingBytes = 0;
  fail = false;

  async write(messages: readonly TraceBatchMessage[]): Promise<void> {
    if (this.fail) throw new Error('kafka down');
    for (const m of messages) this.written.push(spanBatchCodec().decode(m.value, SPAN_BATCH_SCHEMA_ID));
  }

  /** This recorder typed as the writer the receivers take. */
  asWriter(): SpanBatchWriter {
    return this as unknown as SpanBatchWriter;
  }
}

export { AvroCodec, SchemaError, SCHEMA_HEADER, loadType } from './codec';
export { spanBatchCodec, decisionCodec, keptSpanBatchCodec, traceSummaryCodec } from './codecs';
export { avroSchemaDir, readAvroSchema } from './schema-files';
export { bigintLongType } from './long';
export { SpanBatchCodec, SPAN_BATCH_SCHEMA_ID, writeResourceRecord, writeScopeRecord } from './span-batch-codec';
export { KeptSpanBatchCodec } from './kept-span-batch-codec';
export { LazySpan } from './lazy-span';
export { AvroFormatError, AvroWriter } from './binary';

export { AvroCodec, SchemaError, SCHEMA_HEADER, loadType } from './codec';
export { spanBatchCodec, decisionCodec, keptSpanBatchCodec, traceSummaryCodec } from './codecs';
export { avroSchemaDir, readAvroSchema } from './schema-files';
export { bigintLongType } from './long';

export { Random } from './random';
export {
  validateTopology,
  TopologyError,
  type TopologySpec,
  type ServiceSpec,
  type OperationSpec,
  type CallSpec,
  type EntrypointSpec,
  type ServiceKind,
  type ServiceLanguage,
} from './topology';
export { defaultTopology } from './default-topology';
export { parseTopology, loadTopologyFile } from './topology-file';
export { TrafficGenerator, systemClock, DEFAULT_START_TIME_UNIX_NANO, type LoadRequest, type LoadgenOptions } from './generator';
export {
  GroundTruthRecorder,
  groundTruthFromBatches,
  writeGroundTruth,
  readGroundTruth,
  GROUND_TRUTH_FORMAT,
  type GroundTruth,
  type GroundTruthTotals,
  type OperationCount,
  type TraceTruth,
} from './ground-truth';
export { encodeOtlpProtobuf, encodeOtlpJson, encodeOtlpBody, otlpJsonObject, OTLP_CONTENT_TYPES, type OtlpBodyEncoding } from './encoding';
export {
  writeRecordedTraces,
  writeRecordedRequests,
  readRecordedTraces,
  readRecordedRequests,
  replayRecording,
  RecordingError,
  type RecordingStats,
  type WriteRecordedTracesOptions,
} from './recording';
export { RequestPump, toRequestSource, requestSpanCount, type RequestSource, type RequestInput, type SendLimits } from './pump';
export { RateLimiter, realTimer, type Timer } from './timing';
export type { SendProgress } from './send-progress';
export { parseExportResponse, type ExportOutcome } from './partial-success';
export { sendOtlpHttp, retryAfterMs, type SendOtlpHttpOptions } from './send-http';
export { produceOtlpToKafka, type ProduceOtlpToKafkaOptions, type KafkaProducerLike, type OtlpKafkaRecord } from './send-kafka';

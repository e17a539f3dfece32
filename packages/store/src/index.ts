export type { ClickHouse, ClickHouseOptions, InsertOptions, QueryParam } from './connection/types';
export { createClickHouse } from './connection/create';
export { openEmbeddedPath } from './connection/embedded';
export { insertSettings } from './connection/insert-settings';
export { StoreError, type StoreErrorCode, toStoreError, isRetryableClickHouseCode, clickHouseCodeName } from './errors';
export { migrate, MIGRATIONS_TABLE, type MigrateOptions, type AppliedMigration } from './migrations/migrate';
export { MIGRATIONS_DIR, findMigrationsDir, loadMigrations, checksumOf, type MigrationFile } from './migrations/files';
export { renderMigration, DEDUP_WINDOW_BLOCKS, type RenderOptions } from './migrations/render';
export { splitStatements } from './migrations/split';
export { dateTime64Nanos, dateTimeSeconds } from './rows/time';
export { jsonEachRow } from './rows/json-each-row';
export {
  otelTraceRow,
  OTEL_TRACES_TABLE,
  OTEL_TRACES_COLUMNS,
  type OtelTraceRowInput,
  type OtelEventInput,
  type OtelLinkInput,
  type AttributeMap,
} from './rows/otel-traces';
export { traceSummaryRow, TRACE_SUMMARIES_TABLE, TRACE_SUMMARIES_COLUMNS } from './rows/trace-summaries';
export type { DeltaMeasures } from './rows/histogram-rows';
export {
  redMetricsRow,
  sortedMapJson,
  RED_METRICS_TABLE,
  RED_METRICS_INGEST_TABLE,
  RED_METRICS_INGEST_COLUMNS,
  type RedMetricsRowInput,
} from './rows/red-metrics';
export {
  serviceGraphEdgeRow,
  SERVICE_GRAPH_EDGES_TABLE,
  SERVICE_GRAPH_EDGES_INGEST_TABLE,
  SERVICE_GRAPH_EDGES_INGEST_COLUMNS,
  type ServiceGraphEdgeRowInput,
} from './rows/service-graph';

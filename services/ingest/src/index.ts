export { ingestConfigSchema, loadIngestConfig, INGEST_ENV_PREFIX, type IngestConfig } from './config';
export { startIngest, type RunningIngest } from './worker';

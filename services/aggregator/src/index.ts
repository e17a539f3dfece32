export { aggregatorConfigSchema, loadAggregatorConfig, AGGREGATOR_ENV_PREFIX, type AggregatorConfig } from './config';
export { startAggregator, type RunningAggregator } from './worker';
export { PROVENANCE_ATTRIBUTES } from './row-mappers';

export { samplerConfigSchema, loadSamplerConfig, SAMPLER_ENV_PREFIX, type SamplerConfig } from './config';
export { startSampler, type RunningSampler } from './worker';
export { DecisionCache } from './decision-cache';

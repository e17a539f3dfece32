export { loadConfig, ConfigError, type LoadConfigOptions } from './load';
export { describeConfig } from './describe';
export { listOptions, toEnvSegment, type OptionInfo } from './introspect';
export * from './sections';

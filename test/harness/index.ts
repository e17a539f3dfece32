export * from './names';
export * from './infra';
export * from './clickhouse';
export * from './private-broker';
export * from './spans';
export * from './metrics';
export * from './ports';
export * from './kafka-read';

export * from './names';
export * from './infra';

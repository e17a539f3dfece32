export * from './config';
export * from './decided-trace';
export * from './memory-budget';
export * from './shared-buffers';
export * from './span-size';
export * from './summarize';
export * from './to-span-batch';
export * from './trace-buffer';

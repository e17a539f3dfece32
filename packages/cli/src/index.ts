export { COMMANDS } from './registry';
export { EXIT, UsageError, type Command } from './command';

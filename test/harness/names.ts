import { randomBytes } from 'node:crypto';

/**
 * Unique names per test run, so test files never share topics, consumer groups or databases
 * (and a re-run never sees a previous run's data).
 */
export function uniqueSuffix(): string {
  return `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
}

/** A topic prefix like `t-<suffix>.` to put in front of every topic name of one test. */
export function uniqueTopicPrefix(label = 't'): string {
  return `${label}-${uniqueSuffix()}.`;
}

export function uniqueGroupId(label = 'g'): string {
  return `${label}-${uniqueSuffix()}`;
}

/** ClickHouse database names allow [A-Za-z0-9_]. */
export function uniqueDatabase(label = 'test'): string {
  return `${label.replace(/[^A-Za-z0-9_]/g, '_')}_${uniqueSuffix()}`;
}

#!/usr/bin/env node
import { ConfigError } from '@tailstream/config';
import { loadAggregatorConfig } from './config';
import { startAggregator } from './worker';

/** Entry point of the aggregator process: config from env (+ optional YAML), start, stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const aggregator = await startAggregator(loadAggregatorConfig());
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    void aggregator.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`tailstream-aggregator: ${error.message}`);
  else console.error('tailstream-aggregator: failed to start:', error);
  process.exit(error instanceof ConfigError ? 2 : 1);
});

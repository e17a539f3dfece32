#!/usr/bin/env node
import { ConfigError } from '@tailstream/config';
import { loadSamplerConfig } from './config';
import { startSampler } from './worker';

/** Entry point of the tail-sampler process: config from env (+ optional YAML), start, stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const sampler = await startSampler(loadSamplerConfig());
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    void sampler.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`tailstream-sampler: ${error.message}`);
  else console.error('tailstream-sampler: failed to start:', error);
  process.exit(error instanceof ConfigError ? 2 : 1);
});

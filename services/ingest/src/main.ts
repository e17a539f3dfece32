#!/usr/bin/env node
import { ConfigError } from '@tailstream/config';
import { loadIngestConfig } from './config';
import { startIngest } from './worker';

/** Entry point of the ingest worker process: config from env (+ optional YAML), start, stop on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadIngestConfig();
  const ingest = await startIngest(config);
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    void ingest.stop().then(() => process.exit(0));
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`tailstream-ingest: ${error.message}`);
  else console.error('tailstream-ingest: failed to start:', error);
  process.exit(error instanceof ConfigError ? 2 : 1);
});

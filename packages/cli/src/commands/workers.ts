import type { Command } from '../command';
import { EXIT, parseFlags } from '../command';

/** Runs one worker in this process until SIGTERM/SIGINT (the production shape: one process per worker). */
function workerCommand(name: string, summary: string, envPrefix: string, start: (file: string | undefined) => Promise<{ stop: () => Promise<void> }>): Command {
  return {
    name,
    summary,
    help: `Usage: tailstream ${name} [--config FILE]

Runs the ${name} worker in the foreground. Options come from ${envPrefix}* env vars and the
optional YAML file (--config, or ${envPrefix}CONFIG / TAILSTREAM_CONFIG); see docs/configuration.md.
Stops gracefully on SIGTERM/SIGINT.`,
    async run(argv) {
      const { values } = parseFlags(argv, { config: { type: 'string', short: 'c' } });
      const worker = await start(values.config as string | undefined);
      await new Promise<void>((resolve) => {
        const onSignal = (): void => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          void worker.stop().then(resolve);
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
      return EXIT.OK;
    },
  };
}

export const ingestCommand = workerCommand('ingest', 'run the ingest worker (OTLP in, span batches out)', 'TAILSTREAM_INGEST_', async (file) => {
  const { loadIngestConfig, startIngest } = await import('@tailstream/service-ingest');
  return startIngest(loadIngestConfig({ file }));
});

export const samplerCommand = workerCommand('sampler', 'run the tail-sampler worker', 'TAILSTREAM_SAMPLER_', async (file) => {
  const { loadSamplerConfig, startSampler } = await import('@tailstream/service-tail-sampler');
  return startSampler(loadSamplerConfig({ file }));
});

export const aggregatorCommand = workerCommand('aggregator', 'run the aggregator worker (RED + loading into ClickHouse)', 'TAILSTREAM_AGGREGATOR_', async (file) => {
  const { loadAggregatorConfig, startAggregator } = await import('@tailstream/service-aggregator');
  return startAggregator(loadAggregatorConfig({ file }));
});

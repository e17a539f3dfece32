import { COMMON_ALIASES, kafkaSection, loadConfig } from '@tailstream/config';
import { BatchingProducer, createKafka, topicNames } from '@tailstream/kafka';
import {
  produceOtlpToKafka,
  sendOtlpHttp,
  TrafficGenerator,
  writeGroundTruth,
  writeRecordedTraces,
  type SendProgress,
} from '@tailstream/loadgen';
import { createLogger } from '@tailstream/telemetry';
import { z } from 'zod';
import { EXIT, intFlag, parseFlags, UsageError, type Command } from '../command';

export const loadgenCommand: Command = {
  name: 'loadgen',
  summary: 'generate realistic traces (fixed seed) and send them over OTLP/HTTP or to Kafka, or record them',
  help: `Usage: tailstream loadgen [flags]

  --traces N          traces to generate (default 1000)
  --seed N            seed; same seed and flags → same traffic (default 1)
  --error-rate X      share of traces with an error (default 0.03)
  --rate N            spans per second (default: as fast as possible)
  --url URL           OTLP/HTTP endpoint (default http://127.0.0.1:4318/v1/traces)
  --encoding E        protobuf (default) or json
  --gzip              gzip request bodies
  --concurrency N     requests in flight (default 4)
  --kafka             write OTLP records to the <prefix>otlp topic (as a Collector's Kafka exporter) instead of HTTP
  --record FILE       write the traces to FILE (for \`policies test\`) instead of sending
  --ground-truth FILE write the generator's ground truth (counts per operation, per-trace facts)
  --fixed-time        keep the generator's fixed virtual timestamps (default: stamped near now,
                      since ingest rejects spans far from the present)

Progress goes to stderr every second; the final counters are printed as JSON.`,
  async run(argv) {
    const { values } = parseFlags(argv, {
      traces: { type: 'string' },
      seed: { type: 'string' },
      'error-rate': { type: 'string' },
      rate: { type: 'string' },
      url: { type: 'string' },
      encoding: { type: 'string' },
      gzip: { type: 'boolean' },
      concurrency: { type: 'string' },
      kafka: { type: 'boolean' },
      record: { type: 'string' },
      'ground-truth': { type: 'string' },
      'fixed-time': { type: 'boolean' },
    });
    const encoding = (values.encoding as string | undefined) ?? 'protobuf';
    if (encoding !== 'protobuf' && encoding !== 'json') throw new UsageError('--encoding must be protobuf or json');
    const errorRate = values['error-rate'] === undefined ? undefined : Number(values['error-rate']);
    if (errorRate !== undefined && !(errorRate >= 0 && errorRate <= 1)) throw new UsageError('--error-rate must be between 0 and 1');
    const generator = new TrafficGenerator({
      seed: intFlag(values.seed, 'seed') ?? 1,
      traces: intFlag(values.traces, 'traces') ?? 1000,
      errorRate,
      realtime: !values['fixed-time'],
    });

    let result: SendProgress | { recordedSpans: number };
    if (values.record) {
      const batches = [...generator].flatMap((request) => request.batches);
      const stats = await writeRecordedTraces(values.record as string, batches);
      result = { recordedSpans: batches.reduce((n, b) => n + b.spans.length, 0), ...stats };
    } else {
      const rate = intFlag(values.rate, 'rate');
      const onProgress = progressPrinter();
      if (values.kafka) {
        const config = loadConfig(z.object({ kafka: kafkaSection }), { envPrefix: 'TAILSTREAM_', aliases: COMMON_ALIASES });
        const kafka = createKafka(config.kafka, createLogger({ name: 'loadgen', level: 'warn' }));
        const producer = new BatchingProducer(kafka, { idempotent: true });
        await producer.connect();
        try {
          result = await produceOtlpToKafka({
            producer: { send: (topic, messages) => producer.sendAll(topic, messages) },
            topic: topicNames(config.kafka.topicPrefix).otlp,
            source: generator,
            encoding,
            ratePerSec: rate,
            onProgress,
          });
        } finally {
          await producer.close();
        }
      } else {
        result = await sendOtlpHttp({
          url: (values.url as string | undefined) ?? 'http://127.0.0.1:4318/v1/traces',
          source: generator,
          encoding,
          gzip: Boolean(values.gzip),
          ratePerSec: rate,
          asFastAsPossible: rate === undefined,
          concurrency: intFlag(values.concurrency, 'concurrency') ?? 4,
          onProgress,
        });
      }
    }
    if (values['ground-truth']) await writeGroundTruth(values['ground-truth'] as string, generator.groundTruth.toJSON());
    console.log(JSON.stringify(result));
    const failed = 'requestsFailed' in result ? result.requestsFailed : 0;
    return failed > 0 ? EXIT.FAILED : EXIT.OK;
  },
};

/** Prints spans/s and totals to stderr at most once a second. */
export function progressPrinter(): (p: SendProgress) => void {
  let lastPrint = 0;
  let lastSpans = 0;
  return (p) => {
    const now = Date.now();
    if (now - lastPrint < 1000) return;
    const rate = lastPrint === 0 ? (p.spans * 1000) / Math.max(1, p.elapsedMs) : ((p.spans - lastSpans) * 1000) / (now - lastPrint);
    lastPrint = now;
    lastSpans = p.spans;
    process.stderr.write(`loadgen: ${p.spansAccepted} spans accepted, ${Math.round(rate)} spans/s, ${p.retries} retries, ${p.spansFailed} failed\n`);
  };
}

import { BatchingProducer, createKafka, DeadLetterWriter, ensureTopics, PartitionedConsumer, topicNames } from '@tailstream/kafka';
import { startRuntime, type Logger } from '@tailstream/telemetry';
import type { IngestConfig } from './config';
import { ExportPipeline } from './export-pipeline';
import { GrpcReceiver } from './grpc-receiver';
import { HttpReceiver } from './http-receiver';
import { KafkaOtlpReceiver } from './kafka-receiver';
import { createIngestMetrics } from './metrics';
import { createTraceDecoder } from './otlp-decoder';
import { SpanBatchWriter } from './span-writer';

export interface RunningIngest {
  /** Port of the OTLP/HTTP receiver (undefined when disabled). */
  otlpHttpPort: number | undefined;
  /** Port of the OTLP/gRPC receiver (undefined when disabled). */
  otlpGrpcPort: number | undefined;
  opsPort: number;
  /** Ordered graceful shutdown: stop intake, drain requests, flush the producer, commit, close. */
  stop: () => Promise<void>;
}

/** Starts the ingest worker with a validated config. */
export async function startIngest(config: IngestConfig, options: { logger?: Logger } = {}): Promise<RunningIngest> {
  const rt = await startRuntime({ name: 'ingest', log: config.log, http: config.ops, logger: options.logger });
  const { logger, registry, ops, shutdown } = rt;
  const metrics = createIngestMetrics(registry);
  const topics = topicNames(config.kafka.topicPrefix);
  const kafka = createKafka({ ...config.kafka, clientId: `${config.kafka.clientId}-ingest` }, logger);

  if (config.topics.create) {
    const created = await ensureTopics(kafka, {
      prefix: config.kafka.topicPrefix,
      partitions: config.topics.partitions,
      replicationFactor: config.topics.replicationFactor,
    });
    if (created.length > 0) logger.info({ created }, 'created topics');
  }

  const producer = new BatchingProducer(kafka, {
    maxBatchBytes: config.producer.maxBatchBytes,
    lingerMs: config.producer.lingerMs,
    compression: config.producer.compression,
    registry,
    metricPrefix: 'tailstream_ingest',
    logger: logger.child({ component: 'producer' }),
  });
  await producer.connect();
  ops.addReadinessCheck('kafka_producer', () => producer.isConnected);
  const writer = new SpanBatchWriter(producer, topics.spans);
  const decode = createTraceDecoder(config);
  // One admission state (in-flight budget, Kafka-failing window, shutting down) for HTTP and gRPC.
  const pipeline = new ExportPipeline(
    { maxInFlightBytes: config.producer.maxInFlightBytes, retryAfterSeconds: config.otlpHttp.retryAfterSeconds },
    decode,
    writer,
    metrics,
    logger.child({ component: 'otlp' }),
  );

  let http: HttpReceiver | undefined;
  let otlpHttpPort: number | undefined;
  if (config.otlpHttp.enabled) {
    http = new HttpReceiver(
      { ...config.otlpHttp, maxInFlightBytes: config.producer.maxInFlightBytes },
      decode,
      writer,
      metrics,
      logger.child({ component: 'otlp-http' }),
      pipeline,
    );
    otlpHttpPort = await http.start();
    logger.info({ host: config.otlpHttp.host, port: otlpHttpPort }, 'OTLP/HTTP receiver listening on /v1/traces');
  }

  let grpc: GrpcReceiver | undefined;
  let otlpGrpcPort: number | undefined;
  if (config.grpc.enabled) {
    const receiver = new GrpcReceiver(
      {
        host: config.grpc.host,
        port: config.grpc.port,
        maxMessageBytes: config.otlpHttp.maxDecompressedBytes,
        bearerToken: config.otlpHttp.bearerToken,
        retryAfterSeconds: config.otlpHttp.retryAfterSeconds,
      },
      pipeline,
      metrics,
      logger.child({ component: 'otlp-grpc' }),
    );
    grpc = receiver;
    otlpGrpcPort = await receiver.start();
    ops.addReadinessCheck('otlp_grpc', () => receiver.isReady);
    logger.info({ host: config.grpc.host, port: otlpGrpcPort }, 'OTLP/gRPC receiver listening (TraceService/Export)');
  }

  let consumer: PartitionedConsumer | undefined;
  if (config.otlpKafka.enabled) {
    const topic = config.otlpKafka.topic || topics.otlp;
    const dlq = new DeadLetterWriter(producer, topics.deadLetter, 'ingest');
    const receiver = new KafkaOtlpReceiver(
      config.otlpKafka.encoding === 'otlp_json' ? 'json' : 'protobuf',
      decode,
      writer,
      dlq,
      metrics,
      logger.child({ component: 'otlp-kafka' }),
      (t, p, offset) => consumer!.commit(t, p, offset),
    );
    consumer = new PartitionedConsumer(kafka, {
      groupId: config.otlpKafka.groupId,
      topics: [topic],
      handler: receiver,
      logger: logger.child({ component: 'otlp-kafka-consumer' }),
      registry,
      metricPrefix: 'tailstream_ingest',
    });
    await consumer.start();
    ops.addReadinessCheck('kafka_consumer', () => consumer!.isRunning);
    ops.addLivenessCheck('kafka_consumer', () => consumer!.isAlive);
    logger.info({ topic, encoding: config.otlpKafka.encoding }, 'consuming OTLP from Kafka');
  }

  shutdown.add('stop intake', async () => {
    pipeline.stopAccepting();
    grpc?.stopAccepting();
    await http?.stopAccepting();
  });
  shutdown.add('drain in-flight requests', async () => {
    await Promise.all([http?.drain(), grpc?.drain()]);
  });
  shutdown.add('stop Kafka OTLP consumer (commits handled batches)', async () => {
    await consumer?.stop();
  });
  shutdown.add('flush and close the producer', () => producer.close());
  rt.finish();

  return { otlpHttpPort, otlpGrpcPort, opsPort: rt.opsPort, stop: () => shutdown.run('stop requested') };
}

import './kafkajs-speedups'; // first: patches kafkajs before it is loaded (see the module)
import './codecs'; // registers snappy with kafkajs, for every client made here
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';

export interface KafkaClientOptions {
  brokers: string[];
  clientId: string;
  ssl?: boolean;
  saslMechanism?: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
  saslUsername?: string;
  saslPassword?: string;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retries?: number;
}

/**
 * The one place that constructs a kafkajs client (the seam behind which another client could be
 * measured later). kafkajs logs are routed into our pino logger.
 */
export function createKafka(options: KafkaClientOptions, logger: Logger): Kafka {
  const config: KafkaConfig = {
    clientId: options.clientId,
    brokers: options.brokers,
    ssl: options.ssl ?? false,
    connectionTimeout: options.connectionTimeoutMs ?? 10000,
    requestTimeout: options.requestTimeoutMs ?? 30000,
    retry: { initialRetryTime: 200, retries: options.retries ?? 8, maxRetryTime: 5000 },
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => {
      const { message, ...rest } = entry.log;
      const fields = { component: 'kafkajs', namespace: entry.namespace, ...rest };
      if (entry.level <= logLevel.ERROR) logger.error(fields, message);
      else if (entry.level === logLevel.WARN) logger.warn(fields, message);
      else logger.debug(fields, message);
    },
  };
  if (options.saslMechanism && options.saslMechanism !== 'none') {
    config.sasl = {
      mechanism: options.saslMechanism,
      username: options.saslUsername ?? '',
      password: options.saslPassword ?? '',
    } as SASLOptions;
  }
  return new Kafka(config);
}

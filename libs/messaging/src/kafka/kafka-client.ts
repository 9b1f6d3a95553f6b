import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { MessagingLogger } from '../core/logger.js';
import { registerSnappyCodec } from './snappy-codec.js';

export interface KafkaConnectionOptions {
  clientId: string;
  brokers: string[];
  /** Extra kafkajs client settings (ssl, sasl, retry, ...). */
  kafka?: Omit<KafkaConfig, 'clientId' | 'brokers' | 'logCreator'>;
}

/**
 * A kafkajs client whose logs go to the lib's structured logger (kafkajs INFO chatter is debug),
 * able to read and write snappy-compressed batches (`registerSnappyCodec`).
 */
export function createKafkaClient(options: KafkaConnectionOptions, logger: MessagingLogger): Kafka {
  registerSnappyCodec();
  return new Kafka({
    logLevel: logLevel.WARN,
    ...options.kafka,
    clientId: options.clientId,
    brokers: options.brokers,
    logCreator:
      () =>
      ({ level, log, namespace }: LogEntry): void => {
        const { message, ...fields } = log;
        const entry = { kafkajs: namespace, ...fields };
        if (level === logLevel.ERROR) logger.error(String(message), entry);
        else if (level === logLevel.WARN) logger.warn(String(message), entry);
        else logger.debug(String(message), entry);
      },
  });
}

import type { Kafka } from 'kafkajs';
import type { PayloadOf, TopicContract } from '@mlops/contracts';
import type {
  EventBus,
  EventHandler,
  PublishItem,
  PublishOptions,
  PublishReceipt,
  SubscribeOptions,
} from '../core/event-bus.js';
import { EventPublisher } from '../core/event-bus.js';
import { createJsonLogger, type MessagingLogger } from '../core/logger.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.js';
import { createKafkaClient, type KafkaConnectionOptions } from './kafka-client.js';
import { KafkaEventConsumer, type KafkaConsumerOptions } from './kafka-event-consumer.js';
import { KafkaEventPublisher, type KafkaPublisherOptions, type RawRecord } from './kafka-event-publisher.js';
import type { PartitionLag } from './topics.js';

export interface KafkaEventBusOptions<Tx>
  extends KafkaConnectionOptions, Omit<KafkaConsumerOptions<Tx>, 'store'> {
  idempotencyStore: IdempotencyStore<Tx>;
  /** Envelope `producer` field; defaults to clientId. */
  producerName?: string;
  publisher?: Omit<KafkaPublisherOptions, 'producerName'>;
  logger?: MessagingLogger;
}

/** {@link EventBus} over Kafka: one idempotent publisher plus one consumer group. */
export class KafkaEventBus<Tx = unknown> extends EventPublisher implements EventBus<Tx> {
  readonly kafka: Kafka;
  readonly publisher: KafkaEventPublisher;
  readonly consumer: KafkaEventConsumer<Tx>;
  private started = false;

  constructor(options: KafkaEventBusOptions<Tx>) {
    super();
    const logger = options.logger ?? createJsonLogger(`messaging:${options.clientId}`);
    this.kafka = createKafkaClient(options, logger);
    this.publisher = new KafkaEventPublisher(
      this.kafka,
      { producerName: options.producerName ?? options.clientId, ...options.publisher },
      logger,
    );
    const { idempotencyStore, ...rest } = options;
    this.consumer = new KafkaEventConsumer<Tx>(
      this.kafka,
      this.publisher,
      { ...rest, store: idempotencyStore },
      logger,
    );
  }

  publish<T extends TopicContract>(
    topic: T,
    payload: PayloadOf<T>,
    options?: PublishOptions,
  ): Promise<PublishReceipt> {
    return this.publisher.publish(topic, payload, options);
  }

  publishMany(items: readonly PublishItem[]): Promise<PublishReceipt[]> {
    return this.publisher.publishMany(items);
  }

  sendRaw(topic: string, records: readonly RawRecord[]): Promise<void> {
    return this.publisher.sendRaw(topic, records);
  }

  subscribe<T extends TopicContract>(
    topic: T,
    handler: EventHandler<T, Tx>,
    options?: SubscribeOptions,
  ): void {
    this.consumer.subscribe(topic, handler, options);
  }

  subscribedTopics(): string[] {
    return this.consumer.subscribedTopics();
  }

  async start(): Promise<void> {
    if (this.consumer.subscribedTopics().length > 0) await this.consumer.start();
    else await this.publisher.connect();
    this.started = true;
  }

  getConsumerLag(): Promise<PartitionLag[]> {
    return this.consumer.getConsumerLag();
  }

  /** Closes the consumer first (it may still dead-letter through the publisher), then the publisher. */
  async close(): Promise<void> {
    await this.consumer.close();
    await this.publisher.close();
    this.started = false;
  }

  get isStarted(): boolean {
    return this.started;
  }
}

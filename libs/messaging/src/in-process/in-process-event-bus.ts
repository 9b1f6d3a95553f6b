import { dlqTopicOf, type PayloadOf, type TopicContract } from '@mlops/contracts';
import { resolveRetryPolicy } from '../core/backoff.js';
import { MessagingError, MessagingErrorCode, isRetriableByDefault } from '../core/errors.js';
import {
  EventPublisher,
  type EventBus,
  type EventHandler,
  type PublishItem,
  type PublishOptions,
  type PublishReceipt,
  type SubscribeOptions,
} from '../core/event-bus.js';
import type { StringHeaders } from '../core/headers.js';
import { silentLogger, type MessagingLogger } from '../core/logger.js';
import {
  MessageProcessor,
  buildDlqMessage,
  type InboundRecord,
  type ProcessOutcome,
  type Subscription,
} from '../core/message-processor.js';
import { buildOutboundMessage } from '../core/outbound.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.js';

export interface InProcessEventBusOptions<Tx> {
  /** Consumer group name used for dedupe records. */
  groupId: string;
  idempotencyStore: IdempotencyStore<Tx>;
  producerName: string;
  logger?: MessagingLogger;
  onOutcome?: (record: InboundRecord, outcome: ProcessOutcome) => void;
}

/** A record stored in an in-process topic log. */
export interface StoredRecord extends InboundRecord {
  timestamp: number;
}

/**
 * In-process {@link EventBus} for laptop mode and unit tests: the same validation, dedupe, retry
 * and DLQ semantics as Kafka (it runs the same {@link MessageProcessor}), with every topic a
 * single in-memory partition. Delivery is asynchronous and ordered per topic; `idle()` resolves
 * when every published record has been handled. Dead letters land in the `<topic>.dlq` log
 * (`records(dlqTopicOf(name))`).
 */
export class InProcessEventBus<Tx = unknown> extends EventPublisher implements EventBus<Tx> {
  private readonly logs = new Map<string, StoredRecord[]>();
  private readonly subscriptions = new Map<string, Subscription<Tx>>();
  /** Next offset to deliver, per subscribed topic. */
  private readonly positions = new Map<string, number>();
  private readonly draining = new Map<string, Promise<void>>();
  private readonly processor: MessageProcessor<Tx>;
  private readonly abort = new AbortController();
  private running = false;

  constructor(private readonly options: InProcessEventBusOptions<Tx>) {
    super();
    this.processor = new MessageProcessor<Tx>({
      consumerGroup: options.groupId,
      store: options.idempotencyStore,
      logger: options.logger ?? silentLogger,
      signal: this.abort.signal,
      deadLetter: async (deadLetter) => {
        const message = buildDlqMessage(deadLetter);
        this.append(dlqTopicOf(deadLetter.record.topic), message.key, message.value, message.headers);
      },
    });
  }

  async publish<T extends TopicContract>(
    topic: T,
    payload: PayloadOf<T>,
    options?: PublishOptions,
  ): Promise<PublishReceipt> {
    const { message, receipt } = buildOutboundMessage(topic, payload, this.options.producerName, options);
    this.append(message.topic, Buffer.from(message.key), Buffer.from(message.value), message.headers);
    return receipt;
  }

  async publishMany(items: readonly PublishItem[]): Promise<PublishReceipt[]> {
    const built = items.map((item) =>
      buildOutboundMessage(item.topic, item.payload, this.options.producerName, item.options),
    );
    for (const { message } of built)
      this.append(message.topic, Buffer.from(message.key), Buffer.from(message.value), message.headers);
    return built.map((b) => b.receipt);
  }

  /** Appends a record as is (no envelope, no validation): tests use it to inject bad data. */
  async sendRaw(
    topic: string,
    records: readonly {
      key: Buffer | string | null;
      value: Buffer | string | null;
      headers: StringHeaders;
    }[],
  ): Promise<void> {
    for (const r of records) this.append(topic, toBuffer(r.key), toBuffer(r.value), r.headers);
  }

  subscribe<T extends TopicContract>(
    topic: T,
    handler: EventHandler<T, Tx>,
    options: SubscribeOptions = {},
  ): void {
    if (this.subscriptions.has(topic.name)) {
      throw new MessagingError(
        MessagingErrorCode.InvalidOption,
        `topic ${topic.name} already has a handler in group ${this.options.groupId}`,
      );
    }
    this.subscriptions.set(topic.name, {
      topic,
      handler: handler as unknown as EventHandler<TopicContract, Tx>,
      retry: resolveRetryPolicy(options.retry),
      isRetriable: options.isRetriable ?? isRetriableByDefault,
    });
    this.positions.set(topic.name, 0);
    if (this.running) this.kick(topic.name);
  }

  subscribedTopics(): string[] {
    return [...this.subscriptions.keys()];
  }

  async start(): Promise<void> {
    this.running = true;
    for (const name of this.subscriptions.keys()) this.kick(name);
  }

  /** Resolves when every subscribed topic has been consumed up to its end. */
  async idle(): Promise<void> {
    for (;;) {
      const pending = [...this.draining.values()];
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  async close(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await this.idle();
  }

  /** The records of a topic log (a copy), e.g. `records(dlqTopicOf(topic.name))`. */
  records(topicName: string): StoredRecord[] {
    return [...(this.logs.get(topicName) ?? [])];
  }

  /** Consumer lag per subscribed topic (records not yet handled). */
  async getConsumerLag(): Promise<{ topic: string; partition: number; lag: number }[]> {
    return this.subscribedTopics().map((topic) => ({
      topic,
      partition: 0,
      lag: (this.logs.get(topic)?.length ?? 0) - (this.positions.get(topic) ?? 0),
    }));
  }

  private append(topic: string, key: Buffer | null, value: Buffer | null, headers: StringHeaders): void {
    let log = this.logs.get(topic);
    if (!log) this.logs.set(topic, (log = []));
    log.push({
      topic,
      partition: 0,
      offset: String(log.length),
      key,
      value,
      headers: { ...headers },
      timestamp: Date.now(),
    });
    if (this.running && this.subscriptions.has(topic)) this.kick(topic);
  }

  private kick(topic: string): void {
    if (this.draining.has(topic)) return;
    const run = this.drain(topic).finally(() => {
      this.draining.delete(topic);
      const behind = (this.positions.get(topic) ?? 0) < (this.logs.get(topic)?.length ?? 0);
      if (this.running && behind) this.kick(topic);
    });
    this.draining.set(topic, run);
  }

  private async drain(topic: string): Promise<void> {
    await Promise.resolve();
    const subscription = this.subscriptions.get(topic);
    if (!subscription) return;
    for (;;) {
      const log = this.logs.get(topic) ?? [];
      const position = this.positions.get(topic) ?? 0;
      if (!this.running || position >= log.length) return;
      const record = log[position]!;
      const outcome = await this.processor.process(subscription, record);
      if (outcome.kind === 'aborted') return;
      this.positions.set(topic, position + 1);
      this.options.onOutcome?.(record, outcome);
    }
  }
}

function toBuffer(value: Buffer | string | null): Buffer | null {
  return value === null ? null : typeof value === 'string' ? Buffer.from(value) : value;
}

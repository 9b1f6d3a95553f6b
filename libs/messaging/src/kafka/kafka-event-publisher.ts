import {
  CompressionTypes,
  Partitioners,
  type Kafka,
  type Message,
  type Producer,
  type TopicMessages,
} from 'kafkajs';
import type { PayloadOf, PreparedEventJson, TopicContract } from '@mlops/contracts';
import {
  EventPublisher,
  type PublishItem,
  type PublishOptions,
  type PublishReceipt,
} from '../core/event-bus.js';
import { MessagingError, MessagingErrorCode } from '../core/errors.js';
import type { StringHeaders } from '../core/headers.js';
import type { MessagingLogger } from '../core/logger.js';
import { buildOutboundMessage, buildPreparedMessage, type OutboundMessage } from '../core/outbound.js';
import { registerSnappyCodec } from './snappy-codec.js';

export interface KafkaPublisherOptions {
  /** Written in every envelope's `producer` field (the service name). */
  producerName: string;
  /** Upper bound of one produce request, in messages. Default 2000. */
  maxBatchMessages?: number;
  /** Upper bound of one produce request, in value bytes (stay under the broker's message.max.bytes). Default 768 KiB. */
  maxBatchBytes?: number;
  /**
   * Compression of the record batches: `none` (the default) or `snappy` (see `registerSnappyCodec`;
   * every consumer made with `createKafkaClient` reads it). Snappy pays for itself on large JSON
   * values: the prediction-served events shrink about six times, and kafkajs's own work on a batch
   * (its copies and its JavaScript crc32c) shrinks with them.
   */
  compression?: PublisherCompression;
}

/** Record batch compression a {@link KafkaEventPublisher} can write. */
export type PublisherCompression = 'none' | 'snappy';

const COMPRESSION_TYPES: Record<PublisherCompression, CompressionTypes> = {
  none: CompressionTypes.None,
  snappy: CompressionTypes.Snappy,
};

/** A raw record (DLQ and redrive write these: the value is passed through untouched). */
export interface RawRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers: StringHeaders;
  partition?: number;
}

interface Pending {
  topic: string;
  messages: Message[];
  bytes: number;
  done: (error?: unknown) => void;
}

/**
 * Kafka implementation of {@link EventPublisher} on an idempotent kafkajs producer
 * (`idempotent: true`, `maxInFlightRequests: 1`, acks all).
 *
 * kafkajs tracks idempotence sequence numbers per partition only after a response arrives, so two
 * concurrent `send()` calls can reuse a sequence and the broker silently drops one as a duplicate
 * (tulios/kafkajs#1005, #598). This publisher therefore keeps exactly one produce request in
 * flight and coalesces everything published meanwhile into the next request (one `sendBatch` over
 * all topics), which is also what makes it fast.
 */
export class KafkaEventPublisher extends EventPublisher {
  private readonly producer: Producer;
  private connecting: Promise<void> | undefined;
  private closed = false;
  private queue: Pending[] = [];
  private flushing: Promise<void> | undefined;
  private readonly maxBatchMessages: number;
  private readonly maxBatchBytes: number;
  private readonly compression: CompressionTypes;

  constructor(
    kafka: Kafka,
    private readonly options: KafkaPublisherOptions,
    private readonly logger: MessagingLogger,
  ) {
    super();
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: true,
      // murmur2 like the Java client, so keys land on the same partitions whoever produces them.
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.maxBatchMessages = options.maxBatchMessages ?? 2000;
    this.maxBatchBytes = options.maxBatchBytes ?? 768 * 1024;
    const compression = options.compression ?? 'none';
    if (!Object.hasOwn(COMPRESSION_TYPES, compression)) {
      throw new MessagingError(
        MessagingErrorCode.InvalidOption,
        `compression must be one of ${Object.keys(COMPRESSION_TYPES).join(', ')}, got ${JSON.stringify(compression)}`,
      );
    }
    if (compression === 'snappy') registerSnappyCodec();
    this.compression = COMPRESSION_TYPES[compression];
  }

  /** Connects the producer (also done lazily by the first publish). */
  connect(): Promise<void> {
    if (this.closed)
      return Promise.reject(
        new MessagingError(MessagingErrorCode.Closed, 'publisher is closed; create a new one'),
      );
    this.connecting ??= this.producer.connect().catch((error: unknown) => {
      this.connecting = undefined;
      throw error;
    });
    return this.connecting;
  }

  async publish<T extends TopicContract>(
    topic: T,
    payload: PayloadOf<T>,
    options?: PublishOptions,
  ): Promise<PublishReceipt> {
    const { message, receipt } = buildOutboundMessage(topic, payload, this.options.producerName, options);
    await this.enqueue(message.topic, [{ key: message.key, value: message.value, headers: message.headers }]);
    return receipt;
  }

  async publishMany(items: readonly PublishItem[]): Promise<PublishReceipt[]> {
    const built = items.map((item) =>
      buildOutboundMessage(item.topic, item.payload, this.options.producerName, item.options),
    );
    return this.sendBuilt(built);
  }

  /**
   * Sends events a topic's own builder already validated and serialized (`PreparedEventJson`, for
   * example from `predictionServedEventJson`): each record gets the event's key and value as they
   * are and the same envelope headers as {@link publish} writes, and goes through the same queue
   * (one produce request in flight, coalesced with everything else published). The envelope's
   * `producer` is the event's own, not this publisher's `producerName`.
   */
  async sendPrepared(events: readonly PreparedEventJson[]): Promise<PublishReceipt[]> {
    return this.sendBuilt(events.map((event) => buildPreparedMessage(event)));
  }

  /** Enqueues built records grouped by topic; all are built (and checked) before any is sent. */
  private async sendBuilt(
    built: readonly { message: OutboundMessage; receipt: PublishReceipt }[],
  ): Promise<PublishReceipt[]> {
    const byTopic = new Map<string, Message[]>();
    const receipts: PublishReceipt[] = [];
    for (const { message, receipt } of built) {
      let list = byTopic.get(message.topic);
      if (!list) byTopic.set(message.topic, (list = []));
      list.push({ key: message.key, value: message.value, headers: message.headers });
      receipts.push(receipt);
    }
    await Promise.all([...byTopic].map(([topic, messages]) => this.enqueue(topic, messages)));
    return receipts;
  }

  /** Sends records as they are (no envelope, no validation): used for dead letters and redrive. */
  async sendRaw(topic: string, records: readonly RawRecord[]): Promise<void> {
    await this.enqueue(
      topic,
      records.map((r) => ({
        key: r.key,
        value: r.value,
        headers: r.headers,
        ...(r.partition !== undefined ? { partition: r.partition } : {}),
      })),
    );
  }

  /** Waits for queued records to be acknowledged, then disconnects. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    if (this.connecting) {
      await this.connecting.catch(() => undefined);
      await this.producer.disconnect();
    }
  }

  private async enqueue(topic: string, messages: Message[]): Promise<void> {
    if (this.closed)
      throw new MessagingError(MessagingErrorCode.Closed, `cannot publish to ${topic}: publisher is closed`);
    if (messages.length === 0) return;
    await this.connect();
    const chunks: Promise<void>[] = [];
    for (let start = 0; start < messages.length;) {
      let end = start;
      let bytes = 0;
      while (end < messages.length && end - start < this.maxBatchMessages) {
        const size = sizeOf(messages[end]!);
        if (end > start && bytes + size > this.maxBatchBytes) break;
        bytes += size;
        end++;
      }
      const slice = messages.slice(start, end);
      chunks.push(
        new Promise<void>((resolve, reject) =>
          this.queue.push({ topic, messages: slice, bytes, done: (e) => (e ? reject(e) : resolve()) }),
        ),
      );
      start = end;
    }
    this.kick();
    await Promise.all(chunks);
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0) {
      const batch: Pending[] = [];
      let count = 0;
      let bytes = 0;
      while (this.queue.length > 0) {
        const next = this.queue[0]!;
        if (
          batch.length > 0 &&
          (count + next.messages.length > this.maxBatchMessages || bytes + next.bytes > this.maxBatchBytes)
        )
          break;
        batch.push(this.queue.shift()!);
        count += next.messages.length;
        bytes += next.bytes;
      }
      const byTopic = new Map<string, Message[]>();
      for (const pending of batch) {
        const list = byTopic.get(pending.topic);
        if (list) for (const m of pending.messages) list.push(m);
        else byTopic.set(pending.topic, [...pending.messages]);
      }
      const topicMessages: TopicMessages[] = [...byTopic].map(([topic, messages]) => ({ topic, messages }));
      try {
        await this.producer.sendBatch({ topicMessages, acks: -1, compression: this.compression });
        for (const pending of batch) pending.done();
      } catch (error) {
        this.logger.error('produce failed', {
          topics: [...byTopic.keys()],
          messages: count,
          error: String(error),
        });
        for (const pending of batch) pending.done(error);
      }
    }
  }
}

function sizeOf(message: Message): number {
  const value = message.value;
  const valueSize =
    value === null || value === undefined ? 0 : typeof value === 'string' ? value.length : value.byteLength;
  return valueSize + 64;
}

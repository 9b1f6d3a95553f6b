import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { dlqTopicOf, type TopicContract } from '@mlops/contracts';
import { resolveRetryPolicy } from '../core/backoff.js';
import { MessagingError, MessagingErrorCode, isRetriableByDefault } from '../core/errors.js';
import type { EventHandler, SubscribeOptions } from '../core/event-bus.js';
import { decodeHeaders, type StringHeaders } from '../core/headers.js';
import type { MessagingLogger } from '../core/logger.js';
import {
  MessageProcessor,
  buildDlqMessage,
  type DeadLetter,
  type InboundRecord,
  type ProcessOutcome,
  type Subscription,
} from '../core/message-processor.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.js';
import type { KafkaEventPublisher } from './kafka-event-publisher.js';
import { ensureTopics, fetchConsumerLag, type PartitionLag } from './topics.js';

export interface KafkaConsumerOptions<Tx> {
  groupId: string;
  store: IdempotencyStore<Tx>;
  /** Partitions processed concurrently (messages within a partition stay in order). Default 3. */
  partitionsConsumedConcurrently?: number;
  /**
   * Offsets are always committed at the end of each fetched batch (after every message of it was
   * handled). Within a long batch, also commit after this many messages (default: no count limit)...
   */
  commitEveryMessages?: number;
  /** ...or once this many ms passed since the last commit (default 1000). */
  commitIntervalMs?: number;
  /** Where a group with no committed offset starts. Default true (earliest: nothing published before the group existed is lost; dedupe absorbs replays). */
  fromBeginning?: boolean;
  /** Create missing subscribed topics and their `.dlq` topics at start. Default true. */
  createTopics?: boolean | { numPartitions?: number; replicationFactor?: number };
  sessionTimeout?: number;
  heartbeatInterval?: number;
  /**
   * Longest wait of an empty fetch (kafkajs default 5000). Shutdown waits for the fetch in flight,
   * so this bounds how long `close()` takes on an idle topic. Default 1000.
   */
  maxWaitTimeInMs?: number;
  /** Called after each message with its outcome (metrics, tests). */
  onOutcome?: (record: InboundRecord, outcome: ProcessOutcome) => void;
}

/**
 * Consumer of one group over kafkajs `eachBatch` with `autoCommit: false`: every message goes
 * through {@link MessageProcessor} (validate, dedupe + effect in one transaction, retry, DLQ) and
 * its offset+1 is committed only after that succeeded. Partitions run concurrently, messages of a
 * partition strictly in order. `close()` stops fetching, lets the in-flight message finish,
 * commits what was processed and disconnects.
 */
export class KafkaEventConsumer<Tx> {
  private readonly subscriptions = new Map<string, Subscription<Tx>>();
  private readonly consumer: Consumer;
  /** The admin client, connected on first use; one for concurrent callers (lag at a scrape and a ping). */
  private admin: Promise<Admin> | undefined;
  private readonly abort = new AbortController();
  private readonly processor: MessageProcessor<Tx>;
  private state: 'idle' | 'running' | 'closed' = 'idle';

  constructor(
    private readonly kafka: Kafka,
    private readonly publisher: KafkaEventPublisher,
    private readonly options: KafkaConsumerOptions<Tx>,
    private readonly logger: MessagingLogger,
  ) {
    this.consumer = kafka.consumer({
      groupId: options.groupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: options.maxWaitTimeInMs ?? 1000,
      ...(options.sessionTimeout !== undefined ? { sessionTimeout: options.sessionTimeout } : {}),
      ...(options.heartbeatInterval !== undefined ? { heartbeatInterval: options.heartbeatInterval } : {}),
    });
    this.processor = new MessageProcessor<Tx>({
      consumerGroup: options.groupId,
      store: options.store,
      logger,
      signal: this.abort.signal,
      deadLetter: (deadLetter) => this.deadLetter(deadLetter),
    });
  }

  get groupId(): string {
    return this.options.groupId;
  }

  subscribe<T extends TopicContract>(
    topic: T,
    handler: EventHandler<T, Tx>,
    options: SubscribeOptions = {},
  ): void {
    if (this.state !== 'idle') {
      throw new MessagingError(
        MessagingErrorCode.InvalidOption,
        `subscribe(${topic.name}) must be called before start()`,
      );
    }
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
  }

  subscribedTopics(): string[] {
    return [...this.subscriptions.keys()];
  }

  async start(): Promise<void> {
    if (this.state !== 'idle')
      throw new MessagingError(MessagingErrorCode.InvalidOption, 'consumer already started');
    const topics = this.subscribedTopics();
    if (topics.length === 0) {
      throw new MessagingError(
        MessagingErrorCode.InvalidOption,
        `group ${this.options.groupId}: subscribe to at least one topic before start()`,
      );
    }
    this.state = 'running';
    if (this.options.createTopics !== false) {
      const settings = typeof this.options.createTopics === 'object' ? this.options.createTopics : {};
      const created = await ensureTopics(await this.getAdmin(), topics, settings);
      if (created.length > 0) this.logger.info('created topics', { topics: created });
    }
    await this.publisher.connect();
    await this.consumer.connect();
    await this.consumer.subscribe({ topics, fromBeginning: this.options.fromBeginning ?? true });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 3,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.logger.info('consumer started', { consumerGroup: this.options.groupId, topics });
  }

  /** Graceful shutdown: stop fetching, finish the in-flight message, commit, disconnect. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const wasRunning = this.state === 'running';
    this.state = 'closed';
    this.abort.abort();
    if (wasRunning) await this.consumer.disconnect();
    const admin = this.admin;
    this.admin = undefined;
    if (admin) await admin.then((a) => a.disconnect()).catch(() => undefined);
    this.logger.info('consumer closed', { consumerGroup: this.options.groupId });
  }

  /** Lag per subscribed partition (high watermark - committed offset). */
  async getConsumerLag(): Promise<PartitionLag[]> {
    // Closed: no new admin connection that nothing would close.
    if (this.state === 'closed') throw new Error(`consumer ${this.options.groupId} is closed`);
    return fetchConsumerLag(await this.getAdmin(), this.options.groupId, this.subscribedTopics());
  }

  private getAdmin(): Promise<Admin> {
    if (!this.admin) {
      const admin = this.kafka.admin();
      const connecting = admin.connect().then(() => admin);
      this.admin = connecting;
      // A failed connect is not kept: the next caller tries again.
      connecting.catch(() => {
        if (this.admin === connecting) this.admin = undefined;
      });
    }
    return this.admin;
  }

  private async eachBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
    commitOffsetsIfNecessary,
  }: EachBatchPayload): Promise<void> {
    const subscription = this.subscriptions.get(batch.topic);
    if (!subscription) return;
    const every = this.options.commitEveryMessages ?? Number.POSITIVE_INFINITY;
    const intervalMs = this.options.commitIntervalMs ?? 1000;
    let lastDone: string | undefined;
    let uncommitted = 0;
    let lastCommitAt = Date.now();
    let lastHeartbeatAt = lastCommitAt;
    const commit = async (): Promise<void> => {
      if (lastDone === undefined || uncommitted === 0) return;
      // Resolving here rather than per message saves kafkajs Long arithmetic on the hot path; if
      // the batch throws before this, kafkajs re-fetches from the last resolved offset, which is
      // also the last committed one (re-processing is absorbed by the idempotency store).
      resolveOffset(lastDone);
      // Explicit offsets through the batch payload: unlike consumer.commitOffsets(), kafkajs does not
      // skip this once stop() began, so a graceful shutdown still commits the last processed message.
      await commitOffsetsIfNecessary({
        topics: [
          {
            topic: batch.topic,
            partitions: [{ partition: batch.partition, offset: (BigInt(lastDone) + 1n).toString() }],
          },
        ],
      });
      uncommitted = 0;
      lastCommitAt = Date.now();
    };
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale()) break;
        const record = toRecord(batch.topic, batch.partition, message);
        const outcome = await this.processor.process(subscription, record);
        if (outcome.kind === 'aborted') break;
        lastDone = message.offset;
        uncommitted++;
        this.options.onOutcome?.(record, outcome);
        const now = Date.now();
        if (uncommitted >= every || now - lastCommitAt >= intervalMs) await commit();
        if (now - lastHeartbeatAt >= HEARTBEAT_CHECK_MS) {
          lastHeartbeatAt = now;
          await heartbeat();
        }
      }
    } finally {
      await commit();
    }
  }

  private async deadLetter(deadLetter: DeadLetter): Promise<void> {
    const message = buildDlqMessage(deadLetter);
    await this.publisher.sendRaw(dlqTopicOf(deadLetter.record.topic), [message]);
  }
}

/** kafkajs throttles heartbeats to heartbeatInterval itself; asking every message only costs awaits. */
const HEARTBEAT_CHECK_MS = 200;

function toRecord(topic: string, partition: number, message: KafkaMessage): InboundRecord {
  return new KafkaInboundRecord(topic, partition, message);
}

/** Headers are decoded on first access only: most handlers never read them (hot path, GC). */
class KafkaInboundRecord implements InboundRecord {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  private decoded: StringHeaders | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly message: KafkaMessage,
  ) {
    this.offset = message.offset;
    this.key = message.key ?? null;
    this.value = message.value ?? null;
  }

  get headers(): StringHeaders {
    this.decoded ??= decodeHeaders(this.message.headers);
    return this.decoded;
  }
}

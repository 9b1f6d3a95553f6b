import type { EventOf, PayloadOf, TopicContract } from '@mlops/contracts';
import type { RetryPolicy } from './backoff.js';
import type { StringHeaders } from './headers.js';

export interface PublishOptions {
  /** Ties events of one run/request together; defaults to the new eventId. */
  correlationId?: string;
  /** Overrides `topic.key(payload)` (rarely right: the key decides ordering). */
  key?: string;
  /** A caller-chosen eventId (deterministic ids make re-publishing idempotent downstream). */
  eventId?: string;
  /** Extra headers (names must not start with `x-dlq-`). */
  headers?: StringHeaders;
}

/** One event of a {@link EventPublisher.publishMany} call; build it with {@link eventItem}. */
export interface PublishItem<T extends TopicContract = TopicContract> {
  topic: T;
  payload: PayloadOf<T>;
  options?: PublishOptions;
}

/** Typed constructor of a {@link PublishItem} (checks the payload against the topic at compile time). */
export function eventItem<T extends TopicContract>(
  topic: T,
  payload: PayloadOf<T>,
  options?: PublishOptions,
): PublishItem {
  return { topic, payload, ...(options ? { options } : {}) } as PublishItem;
}

export interface PublishReceipt {
  topic: string;
  eventId: string;
  key: string;
}

/**
 * Typed publishing over the contracts. An abstract class rather than an interface so that it is
 * also the NestJS injection token (`constructor(private readonly events: EventPublisher)`).
 */
export abstract class EventPublisher {
  /** Validates `payload` against `topic.schema`, wraps it in an envelope and sends it keyed by `topic.key(payload)`. */
  abstract publish<T extends TopicContract>(
    topic: T,
    payload: PayloadOf<T>,
    options?: PublishOptions,
  ): Promise<PublishReceipt>;
  /** Validates every item first (nothing is sent if one is invalid), then sends them in one batch. */
  abstract publishMany(items: readonly PublishItem[]): Promise<PublishReceipt[]>;
}

/** What a handler gets besides the event. */
export interface HandlerContext<Tx = unknown> {
  /** The idempotency store's transaction: write your side effect through it. */
  tx: Tx;
  consumerGroup: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  headers: StringHeaders;
  /** 1 on the first delivery attempt in this process. */
  attempt: number;
}

export type EventHandler<T extends TopicContract, Tx = unknown> = (
  event: EventOf<T>,
  context: HandlerContext<Tx>,
) => Promise<void> | void;

export interface SubscribeOptions {
  retry?: Partial<RetryPolicy>;
  /** Which handler errors are worth retrying; default: all but NonRetriableError and validation errors. */
  isRetriable?: (error: unknown) => boolean;
}

/** Publish + subscribe within one consumer group. Kafka and in-process implementations share semantics. */
export interface EventBus<Tx = unknown> extends EventPublisher {
  subscribe<T extends TopicContract>(
    topic: T,
    handler: EventHandler<T, Tx>,
    options?: SubscribeOptions,
  ): void;
  /** Starts consuming the subscribed topics. */
  start(): Promise<void>;
  /** Stops fetching, finishes in-flight messages, commits, disconnects. */
  close(): Promise<void>;
  /** Topics this bus consumes. */
  subscribedTopics(): string[];
}

import { parseEvent, type EventOf, type TopicContract } from '@mlops/contracts';
import { backoffDelay, sleep, type RetryPolicy } from './backoff.js';
import { describeError } from './errors.js';
import { DLQ_HEADER_PREFIX, DlqHeaders, headerSafe, type StringHeaders } from './headers.js';
import type { EventHandler, HandlerContext } from './event-bus.js';
import type { MessagingLogger } from './logger.js';
import type { IdempotencyStore } from '../idempotency/idempotency-store.js';

/** A record as read from a topic, transport-neutral. */
export interface InboundRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: StringHeaders;
}

export interface DeadLetter {
  record: InboundRecord;
  reason: string;
  attempts: number;
  consumerGroup: string;
}

/** Publishes a dead letter; must reject if the record was not durably written. */
export type DeadLetterSink = (deadLetter: DeadLetter) => Promise<void>;

export type ProcessOutcome =
  | { kind: 'processed'; attempts: number }
  | { kind: 'duplicate' }
  | { kind: 'dead-lettered'; reason: string; attempts: number }
  | { kind: 'aborted' };

/** One subscription: the topic's contract, its handler and how failures are treated. */
export interface Subscription<Tx> {
  topic: TopicContract;
  handler: EventHandler<TopicContract, Tx>;
  retry: RetryPolicy;
  isRetriable: (error: unknown) => boolean;
}

export interface DlqMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers: StringHeaders;
}

/** The record written to `<topic>.dlq`: raw value, original key and headers, plus the `x-dlq-*` headers. */
export function buildDlqMessage(deadLetter: DeadLetter, now: Date = new Date()): DlqMessage {
  const headers: StringHeaders = {};
  for (const [name, value] of Object.entries(deadLetter.record.headers)) {
    if (!name.startsWith(DLQ_HEADER_PREFIX)) headers[name] = value;
  }
  headers[DlqHeaders.reason] = headerSafe(deadLetter.reason);
  headers[DlqHeaders.originalTopic] = deadLetter.record.topic;
  headers[DlqHeaders.originalPartition] = String(deadLetter.record.partition);
  headers[DlqHeaders.originalOffset] = deadLetter.record.offset;
  headers[DlqHeaders.attempts] = String(deadLetter.attempts);
  headers[DlqHeaders.failedAt] = now.toISOString();
  headers[DlqHeaders.consumerGroup] = deadLetter.consumerGroup;
  return { key: deadLetter.record.key, value: deadLetter.record.value, headers };
}

export interface MessageProcessorDeps<Tx> {
  consumerGroup: string;
  store: IdempotencyStore<Tx>;
  deadLetter: DeadLetterSink;
  logger: MessagingLogger;
  /** Aborted on shutdown or rebalance: a message waiting for a retry is left uncommitted. */
  signal?: AbortSignal;
  random?: () => number;
}

/**
 * The consumer semantics both buses share: validate -> (invalid) dead-letter; (valid) dedupe and
 * run the handler inside the idempotency store's transaction; retriable failures are retried with
 * backoff up to `retry.maxAttempts`, then dead-lettered; non-retriable ones are dead-lettered at
 * once. The caller commits the offset only after this resolves with anything but `aborted`; if the
 * dead-letter publish fails this rejects and the caller must not commit.
 */
export class MessageProcessor<Tx> {
  constructor(private readonly deps: MessageProcessorDeps<Tx>) {}

  async process(subscription: Subscription<Tx>, record: InboundRecord): Promise<ProcessOutcome> {
    const { consumerGroup, logger } = this.deps;
    const parsed = parseEvent(subscription.topic, record.value === null ? '' : record.value.toString('utf8'));
    if (!parsed.ok) {
      const reason = `validation: ${parsed.reason}`;
      logger.warn('invalid event dead-lettered', this.ids(record, { reason }));
      await this.deps.deadLetter({ record, reason, attempts: 0, consumerGroup });
      return { kind: 'dead-lettered', reason, attempts: 0 };
    }
    const event = parsed.event;
    const { maxAttempts } = subscription.retry;
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await this.deps.store.runOnce(
          consumerGroup,
          event.eventId,
          async (tx) => {
            const context: HandlerContext<Tx> = {
              tx,
              consumerGroup,
              topic: record.topic,
              partition: record.partition,
              offset: record.offset,
              key: record.key === null ? null : record.key.toString('utf8'),
              get headers() {
                return record.headers;
              },
              attempt,
            };
            await subscription.handler(event as EventOf<TopicContract>, context);
          },
          { topic: record.topic },
        );
        if (result.duplicate) {
          logger.debug('duplicate event skipped', this.ids(record, { eventId: event.eventId }));
          return { kind: 'duplicate' };
        }
        return { kind: 'processed', attempts: attempt };
      } catch (error) {
        const retriable = safeClassify(subscription.isRetriable, error);
        const reason = `${retriable ? 'retries exhausted' : 'non-retriable'}: ${describeError(error)}`;
        if (!retriable || attempt >= maxAttempts) {
          logger.error(
            'event dead-lettered',
            this.ids(record, { eventId: event.eventId, attempts: attempt, reason }),
          );
          await this.deps.deadLetter({ record, reason, attempts: attempt, consumerGroup });
          return { kind: 'dead-lettered', reason, attempts: attempt };
        }
        const delay = backoffDelay(attempt, subscription.retry, this.deps.random);
        logger.warn(
          'handler failed, retrying',
          this.ids(record, { eventId: event.eventId, attempt, delayMs: delay, error: describeError(error) }),
        );
        const slept = await sleep(delay, this.deps.signal);
        if (!slept) return { kind: 'aborted' };
      }
    }
  }

  private ids(record: InboundRecord, extra: Record<string, unknown>): Record<string, unknown> {
    return {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      consumerGroup: this.deps.consumerGroup,
      correlationId: record.headers['x-correlation-id'],
      ...extra,
    };
  }
}

function safeClassify(isRetriable: (error: unknown) => boolean, error: unknown): boolean {
  try {
    return isRetriable(error);
  } catch {
    return true;
  }
}

import {
  ServerKafka,
  type CustomTransportStrategy,
  type KafkaStatus,
  type MessageHandler,
} from '@nestjs/microservices';
import type { INestApplication } from '@nestjs/common';
import { isObservable, lastValueFrom } from 'rxjs';
import type { TopicContract } from '@mlops/contracts';
import type { SubscribeOptions } from '../core/event-bus.js';
import { MessagingError, MessagingErrorCode, describeError } from '../core/errors.js';
import { createJsonLogger, type MessagingLogger } from '../core/logger.js';
import { KafkaEventBus, type KafkaEventBusOptions } from '../kafka/kafka-event-bus.js';
import type { PartitionLag } from '../kafka/topics.js';
import { MessagingContext } from './messaging.context.js';

export interface KafkaEventsServerOptions<Tx = unknown> extends KafkaEventBusOptions<Tx> {
  /** Every topic contract a handler may name (e.g. the contracts lib's topic list): patterns are looked up here. */
  topics: readonly TopicContract[];
  /** Retry/classification for all handlers; per topic overrides in `perTopic`. */
  subscribe?: SubscribeOptions;
  perTopic?: Record<string, SubscribeOptions>;
}

/**
 * The @nestjs/microservices Kafka transport with this lib's consumer semantics. A service writes
 *
 * ```ts
 * @EventPattern<string>(topics.dataIngested.name)
 * async onIngested(@Payload() event: EventOf<typeof topics.dataIngested>, @Ctx() ctx: MessagingContext<EntityManager>) { ... }
 * ```
 *
 * and gets: envelope + payload validation (invalid -> `<topic>.dlq`), dedupe on eventId in the same
 * transaction as the handler (`ctx.getTransaction()`), retry with backoff of retriable errors then
 * dead-lettering, offsets committed only after the handler (or the DLQ write) succeeded, and a
 * graceful `close()`. Patterns must be topic names listed in `options.topics`: an unknown pattern
 * or a request-response `@MessagePattern` fails at boot.
 */
export class KafkaEventsServer<Tx = unknown> extends ServerKafka implements CustomTransportStrategy {
  readonly bus: KafkaEventBus<Tx>;
  private readonly contracts: Map<string, TopicContract>;
  private readonly log: MessagingLogger;
  private bound = false;

  constructor(private readonly eventOptions: KafkaEventsServerOptions<Tx>) {
    super({
      client: { clientId: eventOptions.clientId, brokers: eventOptions.brokers },
      consumer: { groupId: eventOptions.groupId },
      postfixId: '',
    });
    this.log = eventOptions.logger ?? createJsonLogger(`messaging:${eventOptions.clientId}`);
    this.bus = new KafkaEventBus<Tx>({ ...eventOptions, logger: this.log });
    this.contracts = new Map(eventOptions.topics.map((t) => [t.name, t]));
  }

  override async listen(callback: (error?: unknown, ...rest: unknown[]) => void): Promise<void> {
    try {
      this.bindHandlers();
      await this.bus.start();
      this._status$.next('connected' as unknown as KafkaStatus);
      callback();
    } catch (error) {
      this.log.error('kafka events server failed to start', { error: describeError(error) });
      callback(error);
    }
  }

  override async close(): Promise<void> {
    await this.bus.close();
    this._status$.next('disconnected' as unknown as KafkaStatus);
  }

  override unwrap<T>(): T {
    return this.bus as T;
  }

  /** Topics this server consumes. */
  subscribedTopics(): string[] {
    return this.bus.subscribedTopics();
  }

  /** Consumer lag per subscribed partition (admin fetchOffsets vs high watermarks). */
  getConsumerLag(): Promise<PartitionLag[]> {
    return this.bus.getConsumerLag();
  }

  private bindHandlers(): void {
    if (this.bound) return;
    this.bound = true;
    for (const [pattern, handler] of this.getHandlers()) {
      const topic = this.contracts.get(pattern);
      if (!topic) {
        throw new MessagingError(
          MessagingErrorCode.UnknownTopic,
          `@EventPattern('${pattern}') names no known topic contract; use topics.<name>.name from @mlops/contracts and list the contract in KafkaEventsServer options.topics`,
        );
      }
      if (!handler.isEventHandler) {
        throw new MessagingError(
          MessagingErrorCode.InvalidOption,
          `@MessagePattern('${pattern}') is request-response, which this transport does not serve; use @EventPattern<string>('${pattern}')`,
        );
      }
      const options = { ...this.eventOptions.subscribe, ...this.eventOptions.perTopic?.[pattern] };
      this.bus.subscribe(
        topic,
        (event, handlerContext) => invoke(handler, event, new MessagingContext<Tx>(handlerContext), this.log),
        options,
      );
    }
  }
}

let warnedAboutInterceptor = false;

async function invoke(
  handler: MessageHandler,
  event: unknown,
  context: MessagingContext<unknown>,
  log: MessagingLogger,
): Promise<void> {
  try {
    const result: unknown = await handler(event, context);
    if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
  } catch (error) {
    if (context.hasCapturedError) throw context.capturedError;
    if (!(error instanceof Error) && !warnedAboutInterceptor) {
      warnedAboutInterceptor = true;
      log.warn(
        'handler errors reach the transport already rewritten by Nest, so NonRetriableError cannot be told apart (all failures are retried): ' +
          'connect with connectKafkaEvents(app) or app.connectMicroservice({ strategy }, { inheritAppConfig: true }) so MessagingErrorInterceptor applies',
        { topic: context.getTopic() },
      );
    }
    throw error;
  }
}

/**
 * Connects the {@link KafkaEventsServer} provided by MessagingModule to a hybrid (HTTP + Kafka)
 * Nest application, inheriting the app's global enhancers (MessagingErrorInterceptor among them),
 * and returns it. Call `await app.startAllMicroservices()` afterwards.
 */
export function connectKafkaEvents<Tx = unknown>(app: INestApplication): KafkaEventsServer<Tx> {
  const server = app.get<KafkaEventsServer<Tx>>(KafkaEventsServer);
  app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
  return server;
}

import 'reflect-metadata';
import { Controller, Injectable, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { DataSource, EntityManager } from 'typeorm';
import { dlqTopicOf, type EventOf } from '@mlops/contracts';
import {
  EventPublisher,
  KafkaEventsServer,
  connectKafkaEvents,
  MessagingContext,
  MessagingModule,
  NonRetriableError,
  TypeOrmIdempotencyStore,
  silentLogger,
} from '@mlops/messaging';
import { randomSuffix, widgetTopic, type WidgetTopic } from '../src/__fixtures__/widget.topic.js';
import {
  BROKERS,
  EFFECTS_TABLE,
  committedOffsets,
  countEffects,
  createTopics,
  deleteCreatedTopics,
  openDatabase,
  readTopic,
  waitFor,
} from './support.js';

const suffix = randomSuffix();
const okTopic = widgetTopic(`nest-ok-${suffix}`);
const rejectTopic = widgetTopic(`nest-reject-${suffix}`);
const groupId = `it-nest-${suffix}`;
const rejectCalls: number[] = [];

@Injectable()
class WidgetService {
  async record(tx: EntityManager, event: EventOf<WidgetTopic>, group: string): Promise<void> {
    await tx.query(`INSERT INTO ${EFFECTS_TABLE} (consumer_group, event_id, widget_id) VALUES ($1, $2, $3)`, [
      group,
      event.eventId,
      event.payload.widgetId,
    ]);
  }
}

@Controller()
class WidgetConsumer {
  constructor(private readonly widgets: WidgetService) {}

  @EventPattern<string>(okTopic.name)
  async onWidget(
    @Payload() event: EventOf<WidgetTopic>,
    @Ctx() ctx: MessagingContext<EntityManager>,
  ): Promise<void> {
    await this.widgets.record(ctx.getTransaction(), event, ctx.getConsumerGroup());
  }

  @EventPattern<string>(rejectTopic.name)
  async onReject(
    @Payload() _event: EventOf<WidgetTopic>,
    @Ctx() ctx: MessagingContext<EntityManager>,
  ): Promise<void> {
    rejectCalls.push(ctx.getAttempt());
    throw new NonRetriableError('widgets of this kind are refused');
  }
}

let dataSource: DataSource;
let app: INestApplication;

beforeAll(async () => {
  dataSource = await openDatabase();
  await createTopics(
    [okTopic.name, dlqTopicOf(okTopic.name), rejectTopic.name, dlqTopicOf(rejectTopic.name)],
    2,
  );

  @Module({
    imports: [
      MessagingModule.forRoot<EntityManager>({
        clientId: `nest-${suffix}`,
        brokers: BROKERS,
        groupId,
        topics: [okTopic, rejectTopic],
        idempotencyStore: new TypeOrmIdempotencyStore(dataSource),
        subscribe: { retry: { maxAttempts: 5, initialDelayMs: 10, maxDelayMs: 20 } },
        logger: silentLogger,
      }),
    ],
    controllers: [WidgetConsumer],
    providers: [WidgetService],
  })
  class AppModule {}

  app = await NestFactory.create(AppModule, new FastifyAdapter(), { logger: false });
  connectKafkaEvents(app);
  await app.startAllMicroservices();
  await app.init();
}, 30_000);

afterAll(async () => {
  await app?.close();
  await dataSource?.destroy();
  await deleteCreatedTopics();
}, 30_000);

describe('NestJS: KafkaEventsServer + MessagingModule', () => {
  it('serves @EventPattern<string> handlers with dedupe in the handler transaction, and publishes through the injected EventPublisher', async () => {
    const publisher = app.get(EventPublisher);
    const eventId = '3e0b8f7c-1d2a-4b5c-9e8f-0a1b2c3d4e5f';
    await publisher.publish(okTopic, { widgetId: 'n1', size: 1 }, { eventId });
    await publisher.publish(okTopic, { widgetId: 'n1', size: 1 }, { eventId });
    await publisher.publish(okTopic, { widgetId: 'n2', size: 2 });
    await waitFor('two effects', async () => (await countEffects(dataSource, groupId)) === 2);
    const server = app.get(KafkaEventsServer);
    expect(server.subscribedTopics().sort()).toEqual([okTopic.name, rejectTopic.name].sort());
    await waitFor('all three committed', async () => {
      const offsets = await committedOffsets(groupId, okTopic.name);
      return Object.values(offsets).reduce((sum, o) => sum + Math.max(0, Number(o)), 0) === 3;
    });
    const lag = await server.getConsumerLag();
    expect(lag.filter((l) => l.topic === okTopic.name)).toEqual([
      { topic: okTopic.name, partition: 0, lag: 0 },
      { topic: okTopic.name, partition: 1, lag: 0 },
    ]);
    expect(await countEffects(dataSource, groupId)).toBe(2);
  }, 30_000);

  it('keeps the NonRetriableError class through Nest exception handling: dead-lettered on the first attempt', async () => {
    await app.get(EventPublisher).publish(rejectTopic, { widgetId: 'refused', size: 1 });
    const [dead] = await readTopic(dlqTopicOf(rejectTopic.name), 1);
    expect(rejectCalls).toEqual([1]);
    expect(dead!.key).toBe('refused');
    expect(dead!.headers).toMatchObject({
      'x-dlq-attempts': '1',
      'x-dlq-reason': 'non-retriable: NonRetriableError: widgets of this kind are refused',
      'x-dlq-original-topic': rejectTopic.name,
    });
  }, 30_000);
});

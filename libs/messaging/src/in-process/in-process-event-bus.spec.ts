import { dlqTopicOf, type EventOf } from '@mlops/contracts';
import { widgetTopic, type WidgetTopic } from '../__fixtures__/widget.topic.js';
import { NonRetriableError } from '../core/errors.js';
import { eventItem } from '../core/event-bus.js';
import { InMemoryIdempotencyStore } from '../idempotency/in-memory-idempotency.store.js';
import { InProcessEventBus } from './in-process-event-bus.js';

const topic: WidgetTopic = widgetTopic();
const fastRetry = { maxAttempts: 3, initialDelayMs: 1, maxDelayMs: 2 };

function makeBus() {
  const store = new InMemoryIdempotencyStore();
  const sut = new InProcessEventBus({ groupId: 'widgets', idempotencyStore: store, producerName: 'test' });
  return { sut, store };
}

describe('InProcessEventBus', () => {
  it('delivers a valid event with envelope, key and headers', async () => {
    const { sut } = makeBus();
    const seen: { event: EventOf<WidgetTopic>; key: string | null; headers: Record<string, string> }[] = [];
    sut.subscribe(topic, (event, ctx) => {
      seen.push({ event, key: ctx.key, headers: ctx.headers });
    });
    await sut.start();
    const receipt = await sut.publish(topic, { widgetId: 'w-1', size: 3 }, { correlationId: 'run-7' });
    await sut.idle();
    expect(seen).toHaveLength(1);
    expect(seen[0]!.event.payload).toEqual({ widgetId: 'w-1', size: 3 });
    expect(seen[0]!.event.eventId).toBe(receipt.eventId);
    expect(seen[0]!.event.correlationId).toBe('run-7');
    expect(seen[0]!.key).toBe('w-1');
    expect(seen[0]!.headers).toMatchObject({
      'x-event-id': receipt.eventId,
      'x-correlation-id': 'run-7',
      'x-schema-version': '1',
      'x-producer': 'test',
    });
  });

  it('rejects an invalid payload at publish time, naming the field', async () => {
    const { sut } = makeBus();
    await expect(sut.publish(topic, { widgetId: '', size: 1 })).rejects.toThrow(
      /invalid payload for mlops\.test\.widget\.v1: widgetId/,
    );
    expect(sut.records(topic.name)).toHaveLength(0);
  });

  it('publishMany validates every item before writing any', async () => {
    const { sut } = makeBus();
    const bad = { widgetId: 'w', size: -1 };
    await expect(
      sut.publishMany([eventItem(topic, { widgetId: 'w', size: 1 }), eventItem(topic, bad)]),
    ).rejects.toThrow(/size/);
    expect(sut.records(topic.name)).toHaveLength(0);
    const receipts = await sut.publishMany([
      eventItem(topic, { widgetId: 'a', size: 1 }),
      eventItem(topic, { widgetId: 'b', size: 2 }),
    ]);
    expect(receipts.map((r) => r.key)).toEqual(['a', 'b']);
  });

  it('dead-letters an invalid record with the reason and original coordinates, and keeps going', async () => {
    const { sut } = makeBus();
    const handled: string[] = [];
    sut.subscribe(topic, (event) => {
      handled.push(event.payload.widgetId);
    });
    await sut.start();
    await sut.sendRaw(topic.name, [{ key: 'k-bad', value: '{"not":"an envelope"}', headers: {} }]);
    await sut.sendRaw(topic.name, [{ key: 'k-bad2', value: 'not json', headers: {} }]);
    await sut.publish(topic, { widgetId: 'ok', size: 1 });
    await sut.idle();
    expect(handled).toEqual(['ok']);
    const dlq = sut.records(dlqTopicOf(topic.name));
    expect(dlq).toHaveLength(2);
    expect(dlq[0]!.key?.toString()).toBe('k-bad');
    expect(dlq[0]!.value?.toString()).toBe('{"not":"an envelope"}');
    expect(dlq[0]!.headers['x-dlq-reason']).toMatch(/^validation: envelope: eventId/);
    expect(dlq[0]!.headers).toMatchObject({
      'x-dlq-original-topic': topic.name,
      'x-dlq-original-partition': '0',
      'x-dlq-original-offset': '0',
      'x-dlq-attempts': '0',
    });
    expect(Date.parse(dlq[0]!.headers['x-dlq-failed-at']!)).not.toBeNaN();
    expect(dlq[1]!.headers['x-dlq-reason']).toMatch(/value is not JSON/);
  });

  it('runs the side effect once for a duplicate eventId', async () => {
    const { sut } = makeBus();
    let effects = 0;
    sut.subscribe(topic, () => {
      effects++;
    });
    await sut.start();
    const eventId = '0b7c6a52-5a4e-4d7e-9d1f-0d5c8c1e2a11';
    await sut.publish(topic, { widgetId: 'w', size: 1 }, { eventId });
    await sut.publish(topic, { widgetId: 'w', size: 1 }, { eventId });
    await sut.idle();
    expect(sut.records(topic.name)).toHaveLength(2);
    expect(effects).toBe(1);
  });

  it('retries a retriable failure with backoff, then dead-letters it with the attempt count', async () => {
    const { sut, store } = makeBus();
    const attempts: number[] = [];
    sut.subscribe(
      topic,
      (_event, ctx) => {
        attempts.push(ctx.attempt);
        throw new Error('database unavailable');
      },
      { retry: fastRetry },
    );
    await sut.start();
    const { eventId } = await sut.publish(topic, { widgetId: 'w', size: 1 });
    await sut.idle();
    expect(attempts).toEqual([1, 2, 3]);
    const [dead] = sut.records(dlqTopicOf(topic.name));
    expect(dead!.headers['x-dlq-attempts']).toBe('3');
    expect(dead!.headers['x-dlq-reason']).toBe('retries exhausted: Error: database unavailable');
    expect(dead!.headers['x-event-id']).toBe(eventId);
    expect(store.has('widgets', eventId)).toBe(false);
  });

  it('succeeds on a later attempt without dead-lettering', async () => {
    const { sut, store } = makeBus();
    let calls = 0;
    sut.subscribe(
      topic,
      () => {
        if (++calls < 2) throw new Error('transient');
      },
      { retry: fastRetry },
    );
    await sut.start();
    const { eventId } = await sut.publish(topic, { widgetId: 'w', size: 1 });
    await sut.idle();
    expect(calls).toBe(2);
    expect(sut.records(dlqTopicOf(topic.name))).toHaveLength(0);
    expect(store.has('widgets', eventId)).toBe(true);
  });

  it('dead-letters a NonRetriableError at once', async () => {
    const { sut } = makeBus();
    let calls = 0;
    sut.subscribe(
      topic,
      () => {
        calls++;
        throw new NonRetriableError('widget size not supported');
      },
      { retry: fastRetry },
    );
    await sut.start();
    await sut.publish(topic, { widgetId: 'w', size: 1 });
    await sut.idle();
    expect(calls).toBe(1);
    const [dead] = sut.records(dlqTopicOf(topic.name));
    expect(dead!.headers['x-dlq-attempts']).toBe('1');
    expect(dead!.headers['x-dlq-reason']).toBe('non-retriable: NonRetriableError: widget size not supported');
  });

  it('honours a custom isRetriable predicate', async () => {
    const { sut } = makeBus();
    let calls = 0;
    sut.subscribe(
      topic,
      () => {
        calls++;
        throw new RangeError('never retry these');
      },
      { retry: fastRetry, isRetriable: (error) => !(error instanceof RangeError) },
    );
    await sut.start();
    await sut.publish(topic, { widgetId: 'w', size: 1 });
    await sut.idle();
    expect(calls).toBe(1);
    expect(sut.records(dlqTopicOf(topic.name))).toHaveLength(1);
  });

  it('delivers in publish order and reports lag', async () => {
    const { sut } = makeBus();
    const order: number[] = [];
    sut.subscribe(topic, async (event) => {
      await new Promise((r) => setTimeout(r, Math.random() * 3));
      order.push(event.payload.size);
    });
    for (let i = 0; i < 20; i++) await sut.publish(topic, { widgetId: `w${i % 3}`, size: i });
    expect(await sut.getConsumerLag()).toEqual([{ topic: topic.name, partition: 0, lag: 20 }]);
    await sut.start();
    await sut.idle();
    expect(order).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(await sut.getConsumerLag()).toEqual([{ topic: topic.name, partition: 0, lag: 0 }]);
  });

  it('refuses reserved x-dlq- headers and a second handler for a topic', async () => {
    const { sut } = makeBus();
    await expect(
      sut.publish(topic, { widgetId: 'w', size: 1 }, { headers: { 'x-dlq-reason': 'x' } }),
    ).rejects.toThrow('header "x-dlq-reason": names starting with x-dlq- are reserved');
    sut.subscribe(topic, () => undefined);
    expect(() => sut.subscribe(topic, () => undefined)).toThrow(
      `topic ${topic.name} already has a handler in group widgets`,
    );
  });
});

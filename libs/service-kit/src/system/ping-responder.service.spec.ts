import { createEvent, topics, type ConsumerLag, type PayloadOf, type TopicContract } from '@mlops/contracts';
import { EventPublisher, type PublishItem, type PublishOptions, type PublishReceipt } from '@mlops/messaging';
import { HealthRegistry, JsonLogger } from '@mlops/observability';
import { defineManifest } from '../manifest/service-manifest.js';
import type { ServiceInfo } from '../service-info.js';
import { PING_MAX_AGE_MS, PingResponder, type ConsumerIntrospection } from './ping-responder.service.js';

class RecordingPublisher extends EventPublisher {
  readonly published: { topic: string; payload: unknown; options: PublishOptions | undefined }[] = [];
  async publish<T extends TopicContract>(
    topic: T,
    payload: PayloadOf<T>,
    options?: PublishOptions,
  ): Promise<PublishReceipt> {
    this.published.push({ topic: topic.name, payload, options });
    return { topic: topic.name, eventId: 'e', key: topic.key(payload) };
  }
  async publishMany(_items: readonly PublishItem[]): Promise<PublishReceipt[]> {
    throw new Error('not used by the responder');
  }
}

const NOW = Date.parse('2026-11-26T12:00:00.000Z');
const manifest = defineManifest('registry', {
  consumes: [topics.systemPing, topics.experimentConcluded],
  produces: [topics.systemPong, topics.modelPromoted, topics.modelRolledBack],
});
const info: ServiceInfo = {
  name: 'registry',
  version: '1.2.3',
  instanceId: 'host:42',
  manifest,
  startedAt: performance.now() - 12_340,
};

function setup(options: { lag?: () => Promise<ConsumerLag[]>; postgresUp?: boolean } = {}) {
  const publisher = new RecordingPublisher();
  const consumer: ConsumerIntrospection = {
    subscribedTopics: () => ['mlops.system.ping.v1'],
    getConsumerLag:
      options.lag ??
      (async () => [
        { topic: 'mlops.system.ping.v1', partition: 0, lag: 1 },
        { topic: 'mlops.system.ping.v1', partition: 1, lag: 4 },
      ]),
  };
  const health = new HealthRegistry({ service: 'registry', version: '1.2.3' }).register(
    'postgres',
    async () => {
      if (options.postgresUp === false) throw new Error('connect ECONNREFUSED');
    },
  );
  const lines: Record<string, unknown>[] = [];
  const logger = new JsonLogger({
    service: 'registry',
    level: 'debug',
    write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  const sut = new PingResponder(publisher, consumer, health, info, logger, () => NOW);
  return { sut, publisher, lines };
}

function pingSentAt(sentAt: string) {
  return createEvent(
    topics.systemPing,
    { pingId: '6f1c2b9e-8d4a-4b3c-9e2f-1a2b3c4d5e6f', requestedBy: 'operator-cli', sentAt },
    { producer: 'operator', correlationId: '0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a' },
  );
}

describe('PingResponder', () => {
  it('publishes one pong with identity, uptime, subscriptions, lag and readiness, on the ping correlation', async () => {
    const { sut, publisher } = setup();
    const pong = await sut.answer(pingSentAt('2026-11-26T11:59:59.000Z'), 0);
    expect(publisher.published).toHaveLength(1);
    expect(publisher.published[0]).toEqual({
      topic: 'mlops.system.pong.v1',
      payload: pong,
      options: { correlationId: '0d9c8b7a-6f5e-4d3c-8b2a-1f0e9d8c7b6a' },
    });
    expect(pong).toMatchObject({
      pingId: '6f1c2b9e-8d4a-4b3c-9e2f-1a2b3c4d5e6f',
      service: 'registry',
      version: '1.2.3',
      instanceId: 'host:42',
      subscribedTopics: ['mlops.system.ping.v1'],
      // the ping being answered (partition 0, not yet committed) does not count as lag
      consumerLag: [
        { topic: 'mlops.system.ping.v1', partition: 0, lag: 0 },
        { topic: 'mlops.system.ping.v1', partition: 1, lag: 4 },
      ],
      healthy: true,
    });
    expect(pong!.uptimeSeconds).toBeGreaterThanOrEqual(12.34);
    expect(topics.systemPong.schema.safeParse(pong).success).toBe(true);
  });

  it('reports healthy: false when a readiness check fails', async () => {
    const { sut } = setup({ postgresUp: false });
    expect((await sut.answer(pingSentAt('2026-11-26T11:59:59.000Z')))!.healthy).toBe(false);
  });

  it('still answers, with an empty lag list and a warning, when the lag cannot be read', async () => {
    const { sut, publisher, lines } = setup({
      lag: async () => Promise.reject(new Error('admin timed out')),
    });
    const pong = await sut.answer(pingSentAt('2026-11-26T11:59:59.000Z'));
    expect(pong!.consumerLag).toEqual([]);
    expect(publisher.published).toHaveLength(1);
    expect(lines.find((l) => l['level'] === 'warn')).toMatchObject({
      msg: 'consumer lag unavailable for the pong',
      error: 'admin timed out',
    });
  });

  it(`does not answer a ping older than ${PING_MAX_AGE_MS / 1000} s`, async () => {
    const { sut, publisher } = setup();
    const sentAt = new Date(NOW - PING_MAX_AGE_MS - 1).toISOString();
    await expect(sut.answer(pingSentAt(sentAt))).resolves.toBeUndefined();
    expect(publisher.published).toEqual([]);
  });
});

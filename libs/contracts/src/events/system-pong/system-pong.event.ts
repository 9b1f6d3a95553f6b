import { z } from 'zod';
import {
  countSchema,
  kafkaTopicSchema,
  nonNegativeNumberSchema,
  serviceNameSchema,
  textSchema,
  uniqueStrings,
  uuidSchema,
} from '../../common/primitives.js';
import { serviceNames } from '../../common/services.js';
import { defineTopic } from '../../core/topic.js';

/** Lag of one partition of one subscribed topic: log-end offset minus committed offset. */
export const consumerLagSchema = z.strictObject({
  topic: kafkaTopicSchema,
  partition: countSchema,
  lag: countSchema,
});
export type ConsumerLag = z.infer<typeof consumerLagSchema>;

export const systemPongSchema = z.strictObject({
  /** The `pingId` of the ping answered. */
  pingId: uuidSchema,
  service: serviceNameSchema,
  /** The service's package version, e.g. `0.1.0`. */
  version: textSchema(64),
  /** One process of the service: host name and pid, or a pod name. */
  instanceId: textSchema(128),
  uptimeSeconds: nonNegativeNumberSchema,
  subscribedTopics: uniqueStrings(kafkaTopicSchema, 0, 500),
  consumerLag: z.array(consumerLagSchema).max(10_000),
  /** The service's readiness (its Kafka, PostgreSQL and Redis connections) at the time of the pong. */
  healthy: z.boolean(),
});
export type SystemPongPayload = z.infer<typeof systemPongSchema>;

/**
 * `mlops.system.pong.v1`: a service's answer to a ping.
 *
 * Produced by every service. Consumed by operators (CLI, the bus integration test). Keyed by
 * `pingId`, so all answers to one ping land on one partition.
 */
export const systemPongTopic = defineTopic({
  name: 'mlops.system.pong.v1',
  description: 'A service answers a ping: version, uptime, subscribed topics, consumer lag, health.',
  schema: systemPongSchema,
  key: (p) => p.pingId,
  keyField: 'pingId',
  producers: [...serviceNames],
  consumers: ['operator'],
});

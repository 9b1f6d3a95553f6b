import { z } from 'zod';
import { actorSchema, isoDateTimeSchema, uuidSchema } from '../../common/primitives.js';
import { serviceNames } from '../../common/services.js';
import { defineTopic } from '../../core/topic.js';

export const systemPingSchema = z.strictObject({
  /** Correlates the pongs with this ping. */
  pingId: uuidSchema,
  /** Who asks: an operator, a CLI, a test. */
  requestedBy: actorSchema,
  sentAt: isoDateTimeSchema,
});
export type SystemPingPayload = z.infer<typeof systemPingSchema>;

/**
 * `mlops.system.ping.v1`: a liveness probe on the bus itself.
 *
 * Produced by operators (CLI, integration tests). Consumed by every service, each answering with
 * one {@link systemPongTopic | pong} on `mlops.system.pong.v1`. Keyed by `pingId`.
 */
export const systemPingTopic = defineTopic({
  name: 'mlops.system.ping.v1',
  description: 'An operator asks every service to report itself on the bus.',
  schema: systemPingSchema,
  key: (p) => p.pingId,
  keyField: 'pingId',
  producers: ['operator'],
  consumers: [...serviceNames],
});

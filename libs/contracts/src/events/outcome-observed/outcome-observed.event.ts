import { z } from 'zod';
import { customerIdSchema, isoDateTimeSchema, uuidSchema } from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

export const outcomeObservedSchema = z.strictObject({
  customerId: customerIdSchema,
  /** The ground truth: did the customer leave? */
  churned: z.boolean(),
  observedAt: isoDateTimeSchema,
  /** The prediction this outcome settles, when the source knows it. */
  predictionRequestId: uuidSchema.optional(),
});
export type OutcomeObservedPayload = z.infer<typeof outcomeObservedSchema>;

/**
 * `mlops.outcome.observed.v1`: the true outcome of a customer became known (churned or stayed).
 *
 * Produced by external systems (CRM) or operators. Consumed by experiments (joins outcomes with
 * served predictions to compare the arms) and drift (live model performance). Keyed by
 * `customerId`.
 */
export const outcomeObservedTopic = defineTopic({
  name: 'mlops.outcome.observed.v1',
  description: 'The observed outcome of a customer (churned or not), optionally tied to a prediction.',
  schema: outcomeObservedSchema,
  key: (p) => p.customerId,
  keyField: 'customerId',
  producers: ['operator'],
  consumers: ['experiments', 'drift'],
});

import { z } from 'zod';
import { runIdSchema, textSchema, uuidSchema } from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

/** Where a training job stopped. */
export const trainingStageSchema = z.enum([
  'loading_data',
  'preprocessing',
  'tuning',
  'training',
  'evaluation',
  'export',
  'gate',
  'registration',
]);
export type TrainingStage = z.infer<typeof trainingStageSchema>;

export const trainingFailedSchema = z.strictObject({
  trainingJobId: uuidSchema,
  /** Tracking run, when one was opened before the failure. */
  runId: runIdSchema.optional(),
  stage: trainingStageSchema,
  /** Error class or code, e.g. `DatasetNotValidatedError`. */
  errorType: textSchema(128),
  errorMessage: textSchema(4000),
  /** True when the same request may succeed later (a broker or database outage). */
  retriable: z.boolean(),
});
export type TrainingFailedPayload = z.infer<typeof trainingFailedSchema>;

/**
 * `mlops.training.failed.v1`: a training job failed; the production model stays where it is.
 *
 * Produced by training. Consumed by the pipeline service (retries when `retriable`, else fails
 * the task). Keyed by `trainingJobId`.
 */
export const trainingFailedTopic = defineTopic({
  name: 'mlops.training.failed.v1',
  description: 'A training job failed: at which stage, why, and whether a retry may help.',
  schema: trainingFailedSchema,
  key: (p) => p.trainingJobId,
  keyField: 'trainingJobId',
  producers: ['training'],
  consumers: ['pipeline'],
});

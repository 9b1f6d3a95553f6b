import { z } from 'zod';
import { actorSchema, algorithmSchema, isoDateTimeSchema, uuidSchema } from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

/**
 * Overrides of the config's training section for one job; an absent field keeps the configured
 * value.
 */
export const trainingConfigOverridesSchema = z.strictObject({
  /** Learners to train (config `training.models`), distinct. */
  models: z
    .array(algorithmSchema)
    .min(1)
    .max(4)
    .refine((m) => new Set(m).size === m.length, 'models must be distinct')
    .optional(),
  tuning: z
    .strictObject({
      enabled: z.boolean().optional(),
      /** TPE trials per model. */
      nTrials: z.int().min(1).max(10_000).optional(),
    })
    .optional(),
  /** Share of the rows to train on, in (0, 1] (the CLI's `--sample-ratio`). */
  sampleRatio: z.number().gt(0).lte(1).optional(),
  /** Register the best model in the registry (the CLI's `--register-best`). */
  registerBest: z.boolean().optional(),
  /** Stage to promote the registered model to when it passes the gate. */
  promoteTo: z.enum(['none', 'Staging', 'Production']).optional(),
});
export type TrainingConfigOverrides = z.infer<typeof trainingConfigOverridesSchema>;

export const trainingRequestedSchema = z.strictObject({
  /**
   * Id of the training job, chosen by the requester; every training event of the job carries it.
   * The tracking run id is not known yet (training-completed reports it).
   */
  trainingJobId: uuidSchema,
  datasetId: uuidSchema,
  config: trainingConfigOverridesSchema,
  requestedBy: actorSchema,
  reason: z.enum(['schedule', 'drift', 'manual', 'api']),
  requestedAt: isoDateTimeSchema,
});
export type TrainingRequestedPayload = z.infer<typeof trainingRequestedSchema>;

/**
 * `mlops.training.requested.v1`: train models on a dataset version.
 *
 * Produced by the pipeline service (schedule, drift) and operators (CLI, API). Consumed by
 * training. Keyed by `trainingJobId`.
 */
export const trainingRequestedTopic = defineTopic({
  name: 'mlops.training.requested.v1',
  description: 'Train on a dataset version, with optional overrides of the training config.',
  schema: trainingRequestedSchema,
  key: (p) => p.trainingJobId,
  keyField: 'trainingJobId',
  producers: ['pipeline', 'operator'],
  consumers: ['training'],
});

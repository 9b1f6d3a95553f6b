import { z } from 'zod';
import {
  algorithmSchema,
  countSchema,
  nonNegativeNumberSchema,
  positiveIntSchema,
  unitIntervalSchema,
  uuidSchema,
} from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

/** What the learner is fitting: a tuning trial, a CV fold, or the final model. */
export const trainingPhaseSchema = z.enum(['tuning', 'cross_validation', 'final_fit']);
export type TrainingPhase = z.infer<typeof trainingPhaseSchema>;

export const trainingProgressSchema = z
  .strictObject({
    trainingJobId: uuidSchema,
    model: algorithmSchema,
    phase: trainingPhaseSchema,
    /** Completed rounds (boosting iterations, trees, solver iterations), 1-based. */
    round: positiveIntSchema,
    totalRounds: positiveIntSchema,
    /** Training log loss after this round. */
    trainLoss: nonNegativeNumberSchema,
    /** Validation log loss after this round. */
    validLoss: nonNegativeNumberSchema.optional(),
    /** Validation ROC-AUC after this round. */
    validAuc: unitIntervalSchema.optional(),
    /** Tuning trial number, 0-based as Optuna's `trial.number` (phase `tuning`). */
    trial: countSchema.optional(),
    /** Cross-validation fold, 0-based (phase `cross_validation`). */
    fold: countSchema.optional(),
  })
  .superRefine((p, ctx) => {
    if (p.round > p.totalRounds) {
      ctx.addIssue({
        code: 'custom',
        path: ['round'],
        message: `round ${p.round} exceeds totalRounds ${p.totalRounds}`,
      });
    }
  });
export type TrainingProgressPayload = z.infer<typeof trainingProgressSchema>;

/**
 * `mlops.training.progress.v1`: per-round progress of a training job (for progress bars and
 * live loss curves). High volume: producers should throttle (for example one event per second
 * per model).
 *
 * Produced by training. Consumed by the pipeline service and operators (progress display).
 * Keyed by `trainingJobId`, so the rounds of a job stay in order.
 */
export const trainingProgressTopic = defineTopic({
  name: 'mlops.training.progress.v1',
  description: 'Per-round progress of a training job: model, phase, round, losses, validation AUC.',
  schema: trainingProgressSchema,
  key: (p) => p.trainingJobId,
  keyField: 'trainingJobId',
  producers: ['training'],
  consumers: ['pipeline', 'operator'],
});

import { z } from 'zod';
import {
  algorithmSchema,
  metricsSchema,
  nonNegativeNumberSchema,
  runIdSchema,
  unitIntervalSchema,
  uuidSchema,
} from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

/** One trained candidate: its learner, its tracking run, its validation metrics. */
export const trainingCandidateSchema = z.strictObject({
  model: algorithmSchema,
  runId: runIdSchema,
  metrics: metricsSchema,
});
export type TrainingCandidate = z.infer<typeof trainingCandidateSchema>;

export const trainingCompletedSchema = z
  .strictObject({
    trainingJobId: uuidSchema,
    datasetId: uuidSchema,
    /** Tracking run of the best model. */
    runId: runIdSchema,
    /** Learner of the best model (highest validation ROC-AUC). */
    bestModel: algorithmSchema,
    /** Metrics of the best model (validation and test): `roc_auc`, `accuracy`, `f1_score`, ... */
    metrics: metricsSchema,
    /** Decision threshold chosen on the validation split. */
    threshold: unitIntervalSchema,
    durationSeconds: nonNegativeNumberSchema,
    /** Every candidate trained, the best included. */
    candidates: z.array(trainingCandidateSchema).min(1).max(100),
  })
  .superRefine((p, ctx) => {
    if (!p.candidates.some((c) => c.runId === p.runId && c.model === p.bestModel)) {
      ctx.addIssue({
        code: 'custom',
        path: ['candidates'],
        message: `candidates must include the best model (${p.bestModel}, run ${p.runId})`,
      });
    }
  });
export type TrainingCompletedPayload = z.infer<typeof trainingCompletedSchema>;

/**
 * `mlops.training.completed.v1`: a training job finished and picked its best model. Whether
 * the model passes the gate follows as model-registered or model-rejected.
 *
 * Produced by training. Consumed by the pipeline service. Keyed by `trainingJobId`.
 */
export const trainingCompletedTopic = defineTopic({
  name: 'mlops.training.completed.v1',
  description: 'A training job finished: best model, its run, metrics, threshold, all candidates.',
  schema: trainingCompletedSchema,
  key: (p) => p.trainingJobId,
  keyField: 'trainingJobId',
  producers: ['training'],
  consumers: ['pipeline'],
});

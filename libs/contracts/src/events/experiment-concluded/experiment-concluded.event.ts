import { z } from 'zod';
import { countSchema, isoDateTimeSchema, unitIntervalSchema, uuidSchema } from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

export const experimentStatisticsSchema = z.strictObject({
  /** p-value of the test of the metric difference. */
  pValue: unitIntervalSchema,
  /** Challenger minus champion, in the metric's unit. */
  effect: z.number(),
  /** p-value of the sample-ratio-mismatch chi-square test (small: the split is broken). */
  srmPValue: unitIntervalSchema,
  samples: z.strictObject({ champion: countSchema, challenger: countSchema }),
});
export type ExperimentStatistics = z.infer<typeof experimentStatisticsSchema>;

export const experimentConcludedSchema = z
  .strictObject({
    experimentId: uuidSchema,
    winner: z.enum(['champion', 'challenger', 'none']),
    /** `promote` the challenger, `rollback` it, or `keep` things as they are. */
    decision: z.enum(['promote', 'rollback', 'keep']),
    statistics: experimentStatisticsSchema,
    concludedAt: isoDateTimeSchema,
  })
  .superRefine((p, ctx) => {
    if (p.decision === 'promote' && p.winner !== 'challenger') {
      ctx.addIssue({
        code: 'custom',
        path: ['decision'],
        message: `decision promote needs winner challenger, got ${p.winner}`,
      });
    }
  });
export type ExperimentConcludedPayload = z.infer<typeof experimentConcludedSchema>;

/**
 * `mlops.experiment.concluded.v1`: an experiment ended with a winner and a decision.
 *
 * Produced by experiments. Consumed by registry (promotes or rolls back on the decision) and
 * serving (stops routing). Keyed by `experimentId`.
 */
export const experimentConcludedTopic = defineTopic({
  name: 'mlops.experiment.concluded.v1',
  description: 'An experiment ended: winner, decision, p-value, effect, SRM p-value, samples per arm.',
  schema: experimentConcludedSchema,
  key: (p) => p.experimentId,
  keyField: 'experimentId',
  producers: ['experiments'],
  consumers: ['registry', 'serving'],
});

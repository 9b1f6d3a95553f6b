import { z } from 'zod';
import { actorSchema, modelNameSchema, modelVersionSchema, textSchema } from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

export const modelRolledBackSchema = z
  .strictObject({
    modelName: modelNameSchema,
    /** The version taken out of the stage. */
    fromVersion: modelVersionSchema,
    /** The version put back (the previous holder of the stage). */
    toVersion: modelVersionSchema,
    stage: z.enum(['Staging', 'Production']),
    reason: textSchema(1000),
    actor: actorSchema,
  })
  .superRefine((p, ctx) => {
    if (p.fromVersion === p.toVersion) {
      ctx.addIssue({
        code: 'custom',
        path: ['toVersion'],
        message: `toVersion must differ from fromVersion (${p.fromVersion})`,
      });
    }
  });
export type ModelRolledBackPayload = z.infer<typeof modelRolledBackSchema>;

/**
 * `mlops.model.rolled-back.v1`: a stage went back to its previous version in one call.
 *
 * Produced by registry (on an operator's call, or an experiment's `rollback` decision).
 * Consumed by serving (swaps back) and experiments. Keyed by `modelName`.
 */
export const modelRolledBackTopic = defineTopic({
  name: 'mlops.model.rolled-back.v1',
  description: 'A stage was rolled back from one model version to the previous one.',
  schema: modelRolledBackSchema,
  key: (p) => p.modelName,
  keyField: 'modelName',
  producers: ['registry'],
  consumers: ['serving', 'experiments', 'pipeline'],
});

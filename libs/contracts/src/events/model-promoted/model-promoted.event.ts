import { z } from 'zod';
import {
  actorSchema,
  modelAliasSchema,
  modelNameSchema,
  modelStageSchema,
  modelVersionSchema,
  textSchema,
} from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

export const modelPromotedSchema = z
  .strictObject({
    modelName: modelNameSchema,
    version: modelVersionSchema,
    fromStage: modelStageSchema,
    toStage: modelStageSchema,
    /** Alias set on the version with the transition (`champion`, `challenger`). */
    alias: modelAliasSchema.optional(),
    /** Versions moved to `Archived` by the transition (archive-existing). */
    archivedVersions: z.array(modelVersionSchema).max(1000).optional(),
    promotedBy: actorSchema,
    reason: textSchema(1000),
  })
  .superRefine((p, ctx) => {
    if (p.fromStage === p.toStage && p.alias === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['toStage'],
        message: `toStage equals fromStage (${p.fromStage}): a promotion changes the stage or sets an alias`,
      });
    }
    if (p.archivedVersions?.includes(p.version)) {
      ctx.addIssue({
        code: 'custom',
        path: ['archivedVersions'],
        message: `the promoted version ${p.version} cannot be archived by its own promotion`,
      });
    }
  });
export type ModelPromotedPayload = z.infer<typeof modelPromotedSchema>;

/**
 * `mlops.model.promoted.v1`: a model version changed stage (or got an alias).
 *
 * Produced by registry. Consumed by serving (swaps the model of that stage or alias with no
 * failed request) and experiments. Keyed by `modelName`, so transitions stay in order.
 */
export const modelPromotedTopic = defineTopic({
  name: 'mlops.model.promoted.v1',
  description: 'A model version moved between stages (None, Staging, Production, Archived) or got an alias.',
  schema: modelPromotedSchema,
  key: (p) => p.modelName,
  keyField: 'modelName',
  producers: ['registry'],
  consumers: ['serving', 'experiments', 'pipeline'],
});

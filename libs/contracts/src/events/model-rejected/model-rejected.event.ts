import { z } from 'zod';
import { modelNameSchema, runIdSchema, slugSchema, textSchema, uuidSchema } from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

const gateValueSchema = z.union([z.number(), z.string().max(256), z.boolean()]);

/** One failed check of the validation gate. */
export const gateFailureSchema = z.strictObject({
  /** The check: `min_accuracy`, `min_recall`, `onnx_loads`, `prediction_format`, `p99_latency_ms`, ... */
  check: slugSchema,
  /** The required value (a threshold, a limit, an expected format). */
  expected: gateValueSchema,
  /** The value measured; null when it could not be measured. */
  actual: z.union([gateValueSchema, z.null()]),
  message: textSchema(1000),
});
export type GateFailure = z.infer<typeof gateFailureSchema>;

export const modelRejectedSchema = z.strictObject({
  modelName: modelNameSchema,
  runId: runIdSchema,
  trainingJobId: uuidSchema.optional(),
  reasons: z.array(gateFailureSchema).min(1).max(100),
});
export type ModelRejectedPayload = z.infer<typeof modelRejectedSchema>;

/**
 * `mlops.model.rejected.v1`: a trained model failed the validation gate and was not registered
 * as a version.
 *
 * Produced by training (which runs the gate and records the reasons on the run through the
 * registry's API). Consumed by the pipeline service. Keyed by `modelName`.
 */
export const modelRejectedTopic = defineTopic({
  name: 'mlops.model.rejected.v1',
  description:
    'A trained model failed the validation gate: each failed check with expected and actual values.',
  schema: modelRejectedSchema,
  key: (p) => p.modelName,
  keyField: 'modelName',
  producers: ['training'],
  consumers: ['pipeline'],
});

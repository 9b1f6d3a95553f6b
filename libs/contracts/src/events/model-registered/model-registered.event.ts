import { z } from 'zod';
import {
  algorithmSchema,
  columnListSchema,
  isoDateTimeSchema,
  metricsSchema,
  modelNameSchema,
  modelVersionSchema,
  runIdSchema,
  sha256HexSchema,
  unitIntervalSchema,
  uuidSchema,
} from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

/** An artifact location with a scheme: `file:`, `s3:`, `cas:` (content-addressed store). */
export const artifactUriSchema = z
  .string()
  .max(2048)
  .regex(
    /^[a-z][a-z0-9+.-]*:\S+$/,
    'expected an artifact URI with a scheme, e.g. cas:sha256/<digest> or s3://bucket/key',
  );

export const modelRegisteredSchema = z.strictObject({
  modelName: modelNameSchema,
  version: modelVersionSchema,
  runId: runIdSchema,
  /** The training job that produced it, when it came from the training service. */
  trainingJobId: uuidSchema.optional(),
  algorithm: algorithmSchema,
  /** The ONNX model file (whole pipeline: raw columns in, probabilities out). */
  artifactUri: artifactUriSchema,
  /** SHA-256 of the artifact's bytes. */
  checksum: sha256HexSchema,
  /** Raw input columns the model expects. */
  inputSchema: columnListSchema,
  metrics: metricsSchema,
  /** Decision threshold: label 1 when probability >= threshold. */
  threshold: unitIntervalSchema,
  registeredAt: isoDateTimeSchema,
});
export type ModelRegisteredPayload = z.infer<typeof modelRegisteredSchema>;

/**
 * `mlops.model.registered.v1`: a model passed the validation gate and is a new registry version
 * (stage `None` until promoted).
 *
 * Produced by training, after it registered the version through the registry's API. Consumed by experiments (a challenger candidate), serving (may preload)
 * and the pipeline service. Keyed by `modelName`.
 */
export const modelRegisteredTopic = defineTopic({
  name: 'mlops.model.registered.v1',
  description:
    'A model version was registered: run, ONNX artifact and checksum, input schema, metrics, threshold.',
  schema: modelRegisteredSchema,
  key: (p) => p.modelName,
  keyField: 'modelName',
  producers: ['training'],
  consumers: ['experiments', 'serving', 'pipeline'],
});

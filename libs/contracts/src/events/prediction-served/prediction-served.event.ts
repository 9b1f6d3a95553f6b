import { z } from 'zod';
import {
  customerIdSchema,
  isoDateTimeSchema,
  modelNameSchema,
  modelVersionSchema,
  nonNegativeNumberSchema,
  rowValuesSchema,
  unitIntervalSchema,
  uuidSchema,
  variantSchema,
} from '../../common/primitives.js';
import { defineTopic } from '../../core/topic.js';

/** Largest number of predictions in one served batch. */
export const MAX_PREDICTIONS_PER_BATCH = 1000;

/** One answered (or, for `shadow`, only logged) prediction. */
export const servedPredictionSchema = z.strictObject({
  /** Id of the request row; an outcome refers to it as `predictionRequestId`. */
  requestId: uuidSchema,
  /** Set when the request named a customer (features read from the feature store). */
  customerId: customerIdSchema.optional(),
  modelName: modelNameSchema,
  modelVersion: modelVersionSchema,
  variant: variantSchema,
  /** Experiment that routed the request, when one was running. */
  experimentId: uuidSchema.optional(),
  /** Probability of churn (class 1). */
  probability: unitIntervalSchema,
  label: z.union([z.literal(0), z.literal(1)]),
  threshold: unitIntervalSchema,
  /** Model time for this row, in milliseconds. */
  latencyMs: nonNegativeNumberSchema,
  /** The raw input columns the model saw (for live drift). */
  features: rowValuesSchema,
  servedAt: isoDateTimeSchema,
});
export type ServedPrediction = z.infer<typeof servedPredictionSchema>;

export const predictionServedSchema = z.strictObject({
  /** Id of the batch (one Kafka message). */
  batchId: uuidSchema,
  predictions: z.array(servedPredictionSchema).min(1).max(MAX_PREDICTIONS_PER_BATCH),
});
export type PredictionServedPayload = z.infer<typeof predictionServedSchema>;

/**
 * `mlops.prediction.served.v1`: predictions served, **batched**: each message carries 1 to 1000
 * predictions that one serving instance answered within a short flush interval.
 *
 * Why batched rather than one event per prediction: serving aims at tens of thousands of
 * predictions per second with a p99 under 10 ms (issue 7), and one Kafka message per request would
 * cost more than the prediction itself (envelope, JSON, a produce request). The consumers do not
 * need per-customer ordering: outcome joins match `requestId`/`customerId` in the database, and
 * live drift and experiment statistics aggregate over windows. So the key is the `batchId`, which
 * spreads batches evenly over partitions, not the customer id.
 *
 * Produced by serving. Consumed by experiments (per-arm statistics, outcome joins) and drift
 * (windows of served inputs).
 */
export const predictionServedTopic = defineTopic({
  name: 'mlops.prediction.served.v1',
  description:
    'A batch of 1 to 1000 served predictions: model version, variant, probability, label, features.',
  schema: predictionServedSchema,
  key: (p) => p.batchId,
  keyField: 'batchId',
  producers: ['serving'],
  consumers: ['experiments', 'drift'],
});

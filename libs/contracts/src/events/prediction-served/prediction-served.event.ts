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
import { cachedCheck, isFiniteNumber, isIsoDateTime, isPlainRecord, isUuid } from '../../core/fast-check.js';
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

// The zod-free fast path of predictionServedSchema (the topic's `accepts`): serving publishes up to
// tens of thousands of predictions a second, and zod's parse of one (19 feature columns) costs
// about 20 us, more than the rest of publishing it. Same rules as the schemas above; anything
// unusual is left to zod (tests compare the two on valid and broken predictions).
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const CUSTOMER_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const COLUMN_NAME = /^[^\s\u0000-\u001f][^\u0000-\u001f]{0,127}$/;
const isColumnName = cachedCheck((s) => COLUMN_NAME.test(s));
const isModelName = cachedCheck((s) => MODEL_NAME.test(s));
const SERVED_KEYS = new Set(['requestId', 'customerId', 'modelName', 'modelVersion', 'variant', 'experimentId', 'probability', 'label', 'threshold', 'latencyMs', 'features', 'servedAt']);
const isUnit = (v: unknown): boolean => isFiniteNumber(v) && v >= 0 && v <= 1;

function acceptsFeatures(v: unknown): boolean {
  if (!isPlainRecord(v)) return false;
  let n = 0;
  for (const key in v) {
    if (key === '__proto__' || !Object.prototype.hasOwnProperty.call(v, key)) return false;
    n++;
    if (!isColumnName(key)) return false;
    const cell = v[key];
    if (cell === null) continue;
    if (typeof cell === 'string') {
      if (cell.length > 1024) return false;
    } else if (!isFiniteNumber(cell)) return false;
  }
  return n >= 1 && n <= 500;
}

/** True only for values `servedPredictionSchema` accepts unchanged (see above). */
export function acceptsServedPrediction(v: unknown): v is ServedPrediction {
  if (!isPlainRecord(v)) return false;
  for (const key in v) if (!SERVED_KEYS.has(key) || v[key] === undefined || !Object.prototype.hasOwnProperty.call(v, key)) return false;
  const { requestId, customerId, modelName, modelVersion, variant, experimentId, probability, label, threshold, latencyMs, features, servedAt } = v;
  return (
    isUuid(requestId) &&
    (customerId === undefined || (typeof customerId === 'string' && CUSTOMER_ID.test(customerId))) &&
    typeof modelName === 'string' &&
    isModelName(modelName) &&
    typeof modelVersion === 'number' &&
    Number.isSafeInteger(modelVersion) &&
    modelVersion > 0 &&
    (variant === 'champion' || variant === 'challenger' || variant === 'shadow') &&
    (experimentId === undefined || isUuid(experimentId)) &&
    isUnit(probability) &&
    (label === 0 || label === 1) &&
    isUnit(threshold) &&
    isFiniteNumber(latencyMs) &&
    latencyMs >= 0 &&
    acceptsFeatures(features) &&
    isIsoDateTime(servedAt)
  );
}

/** True only for payloads `predictionServedSchema` accepts unchanged. */
export function acceptsPredictionServed(v: unknown): v is PredictionServedPayload {
  if (!isPlainRecord(v)) return false;
  for (const key in v) if ((key !== 'batchId' && key !== 'predictions') || !Object.prototype.hasOwnProperty.call(v, key)) return false;
  const { batchId, predictions } = v;
  if (!isUuid(batchId) || !Array.isArray(predictions) || predictions.length < 1 || predictions.length > MAX_PREDICTIONS_PER_BATCH) return false;
  for (let i = 0; i < predictions.length; i++) if (!acceptsServedPrediction(predictions[i])) return false;
  return true;
}

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
  accepts: acceptsPredictionServed,
});

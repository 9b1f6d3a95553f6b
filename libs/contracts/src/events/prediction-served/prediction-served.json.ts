import { randomUUID } from 'node:crypto';
import { uuidSchema } from '../../common/primitives.js';
import { envelopeSchema, readEnvelope, type PreparedEventJson } from '../../core/envelope.js';
import { isUuid } from '../../core/fast-check.js';
import { ContractValidationError, formatIssues } from '../../core/topic.js';
import {
  acceptsServedPrediction,
  MAX_PREDICTIONS_PER_BATCH,
  predictionServedTopic,
  servedPredictionSchema,
  type ServedPrediction,
} from './prediction-served.event.js';

// The wire form of `mlops.prediction.served.v1` built from JSON texts: serving validates and
// serializes each prediction once, when it is served (the fast path `acceptsServedPrediction`, then
// `JSON.stringify`), buffers the texts, and wraps a batch of them into the envelope by string
// concatenation: no object graph is kept, cloned across threads or parsed again. The result is the
// text `JSON.stringify(createEvent(predictionServedTopic, { batchId, predictions }, ...))` gives
// (the same bytes when every prediction takes the fast path), and `parseEvent` accepts it.

/** The JSON text of one prediction that passed the `servedPredictionSchema` contract. */
export type ServedPredictionJson = string & { readonly __brand: 'ServedPredictionJson' };

/**
 * Validates one served prediction against the contract and returns its JSON text: the zod-free
 * fast path when it applies (the value is serialized as it is), zod otherwise (its parsed value is
 * serialized).
 *
 * @throws ContractValidationError (the topic's name, then `field: message` for every bad field) when
 *   the prediction breaks the contract, as `createEvent` does for an invalid payload.
 */
export function servedPredictionJson(p: ServedPrediction): ServedPredictionJson {
  if (acceptsServedPrediction(p)) return JSON.stringify(p) as ServedPredictionJson;
  const parsed = servedPredictionSchema.safeParse(p);
  if (!parsed.success) throw new ContractValidationError(predictionServedTopic.name, parsed.error);
  return JSON.stringify(parsed.data) as ServedPredictionJson;
}

/** Envelope fields of {@link predictionServedEventJson}; the defaults are those of `createEvent`. */
export interface PredictionServedEventMeta {
  /** The envelope's `producer` (the service name): 1 to 128 characters. */
  readonly producer: string;
  /** The payload's `batchId` and the record's key; a new random UUID by default. */
  readonly batchId?: string;
  /** A new random UUID by default. */
  readonly eventId?: string;
  /** 1 to 128 characters; the event's own `eventId` by default (the event starts a chain). */
  readonly correlationId?: string;
  /** RFC 3339 with `Z` or an offset; now by default. */
  readonly occurredAt?: string;
}

/**
 * Wraps 1 to {@link MAX_PREDICTIONS_PER_BATCH} prediction texts into one prediction-served event,
 * by string concatenation: `value` is the envelope's JSON with the payload
 * `{"batchId":...,"predictions":[<texts joined by ,>]}`, `key` is the `batchId` (the topic's key).
 * The envelope fields are checked as the consumers' envelope schema checks them.
 *
 * @throws RangeError when there are no predictions or more than {@link MAX_PREDICTIONS_PER_BATCH},
 *   when an entry is not a JSON object text, or when `batchId` or an envelope field is invalid
 *   (the message names the field).
 */
export function predictionServedEventJson(
  predictions: readonly ServedPredictionJson[],
  meta: PredictionServedEventMeta,
): PreparedEventJson {
  const count = predictions.length;
  if (count < 1 || count > MAX_PREDICTIONS_PER_BATCH) {
    throw new RangeError(`a ${predictionServedTopic.name} event carries 1 to ${MAX_PREDICTIONS_PER_BATCH} predictions, got ${count}`);
  }
  // The brand is only a compile-time promise; the values may have crossed a thread. A cheap check
  // that each is an object's text (parsing them again is what this path avoids).
  for (let i = 0; i < count; i++) {
    const text: unknown = predictions[i];
    if (typeof text !== 'string' || text.charCodeAt(0) !== 0x7b || text.charCodeAt(text.length - 1) !== 0x7d) {
      throw new RangeError(`predictions.${i}: expected the JSON text of a served prediction (servedPredictionJson), got ${typeof text}`);
    }
  }
  const batchId = meta.batchId ?? randomUUID();
  if (!isUuid(batchId)) {
    const checked = uuidSchema.safeParse(batchId);
    if (!checked.success) throw new RangeError(`invalid ${predictionServedTopic.name} event: batchId: ${checked.error.issues[0]?.message ?? 'invalid UUID'}`);
  }
  const eventId = meta.eventId ?? randomUUID();
  const header = {
    eventId,
    occurredAt: meta.occurredAt ?? new Date().toISOString(),
    producer: meta.producer,
    schemaVersion: predictionServedTopic.version,
    correlationId: meta.correlationId ?? eventId,
    payload: null,
  };
  if (readEnvelope(header) === undefined) {
    const checked = envelopeSchema.safeParse(header);
    if (!checked.success) throw new RangeError(`invalid ${predictionServedTopic.name} envelope: ${formatIssues(checked.error)}`);
  }
  const value =
    `{"eventId":${JSON.stringify(header.eventId)},"occurredAt":${JSON.stringify(header.occurredAt)}` +
    `,"producer":${JSON.stringify(header.producer)},"schemaVersion":${header.schemaVersion}` +
    `,"correlationId":${JSON.stringify(header.correlationId)}` +
    `,"payload":{"batchId":${JSON.stringify(batchId)},"predictions":[${predictions.join(',')}]}}`;
  return {
    topic: predictionServedTopic.name,
    key: batchId,
    value,
    eventId: header.eventId,
    correlationId: header.correlationId,
    schemaVersion: header.schemaVersion,
    producer: header.producer,
  };
}

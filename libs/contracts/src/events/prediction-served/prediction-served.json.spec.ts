import { ContractValidationError, createEvent, parseEvent } from '../../core/topic.js';
import { MAX_PREDICTIONS_PER_BATCH, predictionServedTopic, type ServedPrediction } from './prediction-served.event.js';
import { servedPredictionFixture } from './__fixtures__/served-prediction.js';
import { predictionServedEventJson, servedPredictionJson, type ServedPredictionJson } from './prediction-served.json.js';

const good: ServedPrediction = {
  ...servedPredictionFixture,
  features: { ...servedPredictionFixture.features, note: 'a "quoted" \\ \u00e9 \u2028' },
};
const { customerId: _c, ...anonymous } = good;

/** Predictions that take the fast path (serialized as they are). */
const fast: ServedPrediction[] = [
  good,
  anonymous,
  { ...good, experimentId: 'a1b2c3d4-0000-4000-8000-000000000001', variant: 'challenger' },
  { ...anonymous, variant: 'shadow', label: 0, probability: 0, threshold: 1, features: { tenure: null, contract: null } },
  { ...good, probability: -0, features: Object.assign(Object.create(null) as Record<string, number>, { tenure: 1 }) },
];
/** Valid, but only zod decides (the nil UUID): serialized from zod's parsed value. */
const viaZod: ServedPrediction = { ...good, requestId: '00000000-0000-0000-0000-000000000000' };

const ids = {
  batchId: 'b1b2c3d4-0000-4000-8000-000000000002',
  eventId: 'e1b2c3d4-0000-4000-8000-000000000003',
  correlationId: 'request-42',
  occurredAt: '2026-11-26T23:12:17.000Z',
};

function reference(predictions: ServedPrediction[], producer = 'serving'): string {
  return JSON.stringify(
    createEvent(predictionServedTopic, { batchId: ids.batchId, predictions }, {
      producer,
      eventId: ids.eventId,
      correlationId: ids.correlationId,
      occurredAt: new Date(ids.occurredAt),
    }),
  );
}

describe('servedPredictionJson', () => {
  it('is the JSON text of a valid prediction', () => {
    for (const p of [...fast, viaZod]) expect(JSON.parse(servedPredictionJson(p))).toEqual(JSON.parse(JSON.stringify(p)));
    expect(servedPredictionJson(good)).toBe(JSON.stringify(good));
  });

  it.each<[string, unknown, RegExp]>([
    ['probability 1.5', { ...good, probability: 1.5 }, /probability: /],
    ['probability NaN', { ...good, probability: Number.NaN }, /probability: /],
    ['an unknown key', { ...good, extra: 1 }, /extra/],
    ['a NaN feature', { ...good, features: { tenure: Number.NaN } }, /features\.tenure: /],
    ['a missing servedAt', (({ servedAt: _s, ...rest }) => rest)(good), /servedAt: /],
  ])('throws a ContractValidationError naming the field for %s', (_name, p, field) => {
    let thrown: unknown;
    try {
      servedPredictionJson(p as ServedPrediction);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ContractValidationError);
    expect((thrown as Error).message).toMatch(/^invalid payload for mlops\.prediction\.served\.v1: /);
    expect((thrown as Error).message).toMatch(field);
  });
});

describe('predictionServedEventJson', () => {
  it('is the text createEvent + JSON.stringify give, byte for byte on the fast path', () => {
    const event = predictionServedEventJson(fast.map(servedPredictionJson), { producer: 'serving', ...ids });
    expect(event.value).toBe(reference(fast));
    expect(event).toMatchObject({
      topic: predictionServedTopic.name,
      key: ids.batchId,
      eventId: ids.eventId,
      correlationId: ids.correlationId,
      schemaVersion: predictionServedTopic.version,
      producer: 'serving',
    });
  });

  it.each<[string, ServedPrediction[]]>([
    ['one prediction', [good]],
    ['without customerId or experimentId', [anonymous]],
    ['shadow and null feature values', [fast[3]!]],
    ['a mix with one only zod accepts', [...fast, viaZod]],
  ])('parses to what createEvent gives, and parseEvent accepts it: %s', (_name, predictions) => {
    const producer = 'serving "blue" \\ 1';
    const event = predictionServedEventJson(predictions.map(servedPredictionJson), { producer, ...ids });
    expect(JSON.parse(event.value)).toEqual(JSON.parse(reference(predictions, producer)));
    const parsed = parseEvent(predictionServedTopic, event.value);
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.event).toMatchObject({ eventId: ids.eventId, correlationId: ids.correlationId, producer, occurredAt: ids.occurredAt, schemaVersion: 1 });
      expect(parsed.event.payload.batchId).toBe(ids.batchId);
      expect(parsed.event.payload.predictions).toHaveLength(predictions.length);
    }
    expect(parseEvent(predictionServedTopic, JSON.parse(event.value)).ok).toBe(true);
  });

  it('defaults like createEvent: random batchId (the key) and eventId, correlationId = eventId, occurredAt now', () => {
    const before = Date.now();
    const a = predictionServedEventJson([servedPredictionJson(good)], { producer: 'serving' });
    const b = predictionServedEventJson([servedPredictionJson(good)], { producer: 'serving' });
    const parsed = parseEvent(predictionServedTopic, a.value);
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(parsed.event.eventId).toBe(a.eventId);
    expect(a.correlationId).toBe(a.eventId);
    expect(parsed.event.correlationId).toBe(a.eventId);
    expect(parsed.event.payload.batchId).toBe(a.key);
    expect(Date.parse(parsed.event.occurredAt)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(parsed.event.occurredAt)).toBeLessThanOrEqual(Date.now());
    expect(b.eventId).not.toBe(a.eventId);
    expect(b.key).not.toBe(a.key);
  });

  it('takes 1 to MAX_PREDICTIONS_PER_BATCH predictions', () => {
    const one = servedPredictionJson(good);
    expect(() => predictionServedEventJson([], { producer: 'serving' })).toThrow(RangeError);
    expect(() => predictionServedEventJson(Array.from({ length: MAX_PREDICTIONS_PER_BATCH + 1 }, () => one), { producer: 'serving' })).toThrow(RangeError);
    const full = predictionServedEventJson(Array.from({ length: MAX_PREDICTIONS_PER_BATCH }, () => one), { producer: 'serving' });
    expect(parseEvent(predictionServedTopic, full.value).ok).toBe(true);
  });

  it.each<[string, Partial<Record<'producer' | 'batchId' | 'eventId' | 'correlationId' | 'occurredAt', string>>, RegExp]>([
    ['an empty producer', { producer: '' }, /producer: /],
    ['a 129-character producer', { producer: 'p'.repeat(129) }, /producer: /],
    ['an empty correlationId', { correlationId: '' }, /correlationId: /],
    ['a 129-character correlationId', { correlationId: 'c'.repeat(129) }, /correlationId: /],
    ['an eventId that is not a UUID', { eventId: 'event-1' }, /eventId: /],
    ['an occurredAt without a zone', { occurredAt: '2026-11-26T23:12:17' }, /occurredAt: /],
    ['a batchId that is not a UUID', { batchId: 'batch-1' }, /batchId: /],
  ])('checks the envelope fields as the envelope schema does: %s', (_name, meta, field) => {
    expect(() => predictionServedEventJson([servedPredictionJson(good)], { producer: 'serving', ...meta })).toThrow(RangeError);
    expect(() => predictionServedEventJson([servedPredictionJson(good)], { producer: 'serving', ...meta })).toThrow(field);
  });

  it('accepts what the envelope schema accepts beyond the fast path (a nil UUID, an offset)', () => {
    const event = predictionServedEventJson([servedPredictionJson(good)], {
      producer: 'serving',
      eventId: '00000000-0000-0000-0000-000000000000',
      batchId: '00000000-0000-0000-0000-000000000000',
      occurredAt: '2026-11-26T23:12:17+01:00',
    });
    expect(parseEvent(predictionServedTopic, event.value).ok).toBe(true);
  });

  it('rejects entries that are not prediction texts (the brand is only a compile-time promise)', () => {
    const notTexts = [{ ...good }, '', '[1]'] as unknown as ServedPredictionJson[];
    for (const entry of notTexts) expect(() => predictionServedEventJson([entry], { producer: 'serving' })).toThrow(/predictions\.0: /);
  });
});

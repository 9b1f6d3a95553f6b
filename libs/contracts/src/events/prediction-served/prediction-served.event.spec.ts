import { createEvent, parseEvent } from '../../core/topic.js';
import { exampleOf } from '../../testing/examples.js';
import { servedPredictionFixture } from './__fixtures__/served-prediction.js';
import {
  acceptsPredictionServed,
  acceptsServedPrediction,
  predictionServedSchema,
  predictionServedTopic,
  servedPredictionSchema,
  type ServedPrediction,
} from './prediction-served.event.js';

const good: ServedPrediction = servedPredictionFixture;

/** One broken or unusual value per field, and a few for the object itself. */
const variants: ReadonlyArray<readonly [string, unknown]> = [
  ['no customerId', (({ customerId: _c, ...rest }) => rest)(good)],
  ['experimentId', { ...good, experimentId: 'a1b2c3d4-0000-4000-8000-000000000001' }],
  ['shadow, label 0, p 0 and 1', { ...good, variant: 'shadow', label: 0, probability: 0, threshold: 1 }],
  ['requestId nil uuid', { ...good, requestId: '00000000-0000-0000-0000-000000000000' }],
  ['requestId not a uuid', { ...good, requestId: 'r-1' }],
  ['requestId uppercase', { ...good, requestId: good.requestId.toUpperCase() }],
  ['customerId empty', { ...good, customerId: '' }],
  ['customerId with a space', { ...good, customerId: '7590 VHVEG' }],
  ['customerId undefined', { ...good, customerId: undefined }],
  ['customerId a number', { ...good, customerId: 7590 }],
  ['modelName with a slash', { ...good, modelName: 'churn/predictor' }],
  ['modelName 129 chars', { ...good, modelName: 'm'.repeat(129) }],
  ['modelVersion 0', { ...good, modelVersion: 0 }],
  ['modelVersion 1.5', { ...good, modelVersion: 1.5 }],
  ['modelVersion a string', { ...good, modelVersion: '3' }],
  ['modelVersion 2^53', { ...good, modelVersion: 2 ** 53 }],
  ['variant other', { ...good, variant: 'canary' }],
  ['probability NaN', { ...good, probability: Number.NaN }],
  ['probability 1.0000001', { ...good, probability: 1.0000001 }],
  ['probability -0', { ...good, probability: -0 }],
  ['probability Infinity', { ...good, probability: Infinity }],
  ['label 2', { ...good, label: 2 }],
  ['label true', { ...good, label: true }],
  ['label "1"', { ...good, label: '1' }],
  ['threshold -0.1', { ...good, threshold: -0.1 }],
  ['latencyMs negative', { ...good, latencyMs: -1 }],
  ['latencyMs Infinity', { ...good, latencyMs: Infinity }],
  ['features empty', { ...good, features: {} }],
  ['features array', { ...good, features: [1, 2] }],
  ['features a NaN cell', { ...good, features: { tenure: Number.NaN } }],
  ['features an Infinity cell', { ...good, features: { tenure: -Infinity } }],
  ['features a boolean cell', { ...good, features: { senior: true } }],
  ['features an object cell', { ...good, features: { senior: { v: 1 } } }],
  ['features an undefined cell', { ...good, features: { senior: undefined } }],
  ['features a 1024-char cell', { ...good, features: { note: 'x'.repeat(1024) } }],
  ['features a 1025-char cell', { ...good, features: { note: 'x'.repeat(1025) } }],
  ['features a key with a leading space', { ...good, features: { ' tenure': 1 } }],
  ['features a key with a control char', { ...good, features: { 'ten\u0001ure': 1 } }],
  ['features an empty key', { ...good, features: { '': 1 } }],
  ['features a 128-char key', { ...good, features: { ['k'.repeat(128)]: 1 } }],
  ['features a 129-char key', { ...good, features: { ['k'.repeat(129)]: 1 } }],
  ['features a __proto__ key', { ...good, features: JSON.parse('{"__proto__": 1, "a": 2}') as unknown }],
  ['features 500 columns', { ...good, features: Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`c${i}`, i])) }],
  ['features 501 columns', { ...good, features: Object.fromEntries(Array.from({ length: 501 }, (_, i) => [`c${i}`, i])) }],
  ['features null prototype', { ...good, features: Object.assign(Object.create(null) as object, { a: 1 }) }],
  ['features a Map', { ...good, features: new Map([['a', 1]]) }],
  ['servedAt with an offset', { ...good, servedAt: '2026-11-26T23:12:16+01:00' }],
  ['servedAt without a zone', { ...good, servedAt: '2026-11-26T23:12:16' }],
  ['servedAt February 30', { ...good, servedAt: '2026-02-30T00:00:00Z' }],
  ['servedAt February 29 of a leap year', { ...good, servedAt: '2028-02-29T00:00:00Z' }],
  ['servedAt a Date', { ...good, servedAt: new Date() }],
  ['an extra key', { ...good, extra: 1 }],
  ['a missing key', (({ servedAt: _s, ...rest }) => rest)(good)],
  ['a class instance', Object.assign(new (class Served {})(), good)],
  ['an array', [good]],
  ['null', null],
  ['a string', JSON.stringify(good)],
];

describe('acceptsServedPrediction (the zod-free fast path of the topic)', () => {
  it('accepts the common case', () => {
    expect(acceptsServedPrediction(good)).toBe(true);
    expect(servedPredictionSchema.safeParse(good).success).toBe(true);
  });

  it.each(variants)('%s: accepted only if zod accepts it, and then unchanged', (_name, v) => {
    const zod = servedPredictionSchema.safeParse(v);
    if (acceptsServedPrediction(v)) {
      expect(zod.success).toBe(true);
      expect(zod.data).toEqual(v);
    }
  });

  it('takes the fast path for every well-formed variant above that zod accepts with plain data', () => {
    const fastOnes = variants.filter(([, v]) => acceptsServedPrediction(v)).map(([name]) => name);
    expect(fastOnes).toEqual([
      'no customerId',
      'experimentId',
      'shadow, label 0, p 0 and 1',
      'requestId uppercase',
      'probability -0',
      'features a 1024-char cell',
      'features a 128-char key',
      'features 500 columns',
      'features null prototype',
      'servedAt with an offset',
      'servedAt February 29 of a leap year',
    ]);
  });
});

describe('acceptsPredictionServed and the topic', () => {
  const batch = { batchId: 'b1b2c3d4-0000-4000-8000-000000000002', predictions: [good, { ...good, variant: 'shadow' as const }] };

  it('accepts a batch only when every prediction passes, within 1..1000', () => {
    expect(acceptsPredictionServed(batch)).toBe(true);
    expect(acceptsPredictionServed({ ...batch, predictions: [] })).toBe(false);
    expect(acceptsPredictionServed({ ...batch, predictions: Array.from({ length: 1001 }, () => good) })).toBe(false);
    expect(acceptsPredictionServed({ ...batch, predictions: [good, { ...good, label: 2 }] })).toBe(false);
    expect(acceptsPredictionServed({ ...batch, extra: true })).toBe(false);
    for (const v of [batch, { ...batch, predictions: [] }, { ...batch, predictions: [good, { ...good, label: 2 }] }]) {
      if (acceptsPredictionServed(v)) expect(predictionServedSchema.safeParse(v).success).toBe(true);
    }
  });

  it('createEvent and parseEvent use it and still let zod name a bad field', () => {
    const event = createEvent(predictionServedTopic, batch, { producer: 'serving' });
    expect(event.payload).toBe(batch); // the fast path keeps the payload as it is
    const parsed = parseEvent(predictionServedTopic, JSON.stringify(event));
    expect(parsed.ok && parsed.event.payload).toEqual(batch);
    const bad = { ...batch, predictions: [good, { ...good, probability: 1.5 }] };
    expect(() => createEvent(predictionServedTopic, bad, { producer: 'serving' })).toThrow(/predictions\.1\.probability/);
    const rejected = parseEvent(predictionServedTopic, { ...event, payload: bad });
    expect(rejected.ok === false && rejected.reason).toMatch(/^payload: predictions\.1\.probability: /);
  });

  it("the topic's example passes both", () => {
    const example = exampleOf(predictionServedTopic);
    expect(acceptsPredictionServed(example)).toBe(predictionServedSchema.safeParse(example).success);
  });
});

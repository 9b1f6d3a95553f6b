import { randomUUID } from 'node:crypto';
import { ContractValidationError, parseEvent, predictionServedEventJson, predictionServedTopic, type ServedPrediction, type ServedPredictionJson } from '@mlops/contracts';
import { PredictionEventBatcher } from './prediction-events.js';

function prediction(i: number): ServedPrediction {
  return {
    requestId: randomUUID(),
    modelName: 'churn-predictor',
    modelVersion: 1,
    variant: 'champion',
    probability: i / 1000,
    label: 0,
    threshold: 0.5,
    latencyMs: 0.1,
    features: { tenure: i },
    servedAt: new Date().toISOString(),
  };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The `tenure` feature of a buffered prediction text (the tests number predictions with it). */
const tenure = (json: ServedPredictionJson): number => (JSON.parse(json) as ServedPrediction).features['tenure'] as number;

describe('PredictionEventBatcher', () => {
  it('publishes a batch as soon as maxBatch predictions wait, one publish at a time, in order', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const b = new PredictionEventBatcher({
      maxBatch: 3,
      flushIntervalMs: 60_000,
      maxBuffered: 100,
      publish: async (ps) => {
        batches.push(ps.map(tenure));
        await new Promise<void>((r) => (release = r));
      },
    });
    for (let i = 0; i < 8; i++) b.add(prediction(i));
    expect(batches).toEqual([[0, 1, 2]]); // the others wait for the publish in flight
    release();
    await tick();
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5]]);
    release();
    await tick();
    expect(b.buffered).toBe(2);
    await Promise.all([b.close(), tick().then(() => release())]);
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6, 7]]);
  });

  it('flushes a partial batch on the interval', async () => {
    const sizes: number[] = [];
    const b = new PredictionEventBatcher({ maxBatch: 500, flushIntervalMs: 20, maxBuffered: 1000, publish: async (ps) => void sizes.push(ps.length) });
    b.start();
    b.add(prediction(1));
    b.add(prediction(2));
    await tick(60);
    expect(sizes).toEqual([2]);
    await b.close();
  });

  it('keeps a failed batch in a bounded buffer and counts what it drops', async () => {
    let failing = true;
    const sent: number[] = [];
    let dropped = 0;
    const errors: unknown[] = [];
    const b = new PredictionEventBatcher({
      maxBatch: 2,
      flushIntervalMs: 60_000,
      maxBuffered: 5,
      publish: (ps) => (failing ? Promise.reject(new Error('broker down')) : Promise.resolve(void sent.push(...ps.map(tenure)))),
      onDrop: (n) => (dropped += n),
      onError: (e) => errors.push(e),
    });
    for (let i = 0; i < 8; i++) b.add(prediction(i));
    await tick(250);
    expect(errors.length).toBeGreaterThan(0);
    expect(b.buffered).toBeLessThanOrEqual(5);
    expect(dropped + b.buffered).toBe(8);
    expect(b.dropped).toBe(dropped);
    failing = false;
    await b.close();
    expect(sent.length).toBe(8 - dropped);
    expect(sent).toEqual([...sent].sort((x, y) => x - y));
  });

  it('hands over validated JSON texts that wrap into a prediction-served event the consumers accept', async () => {
    const texts: (readonly ServedPredictionJson[])[] = [];
    const b = new PredictionEventBatcher({ maxBatch: 3, flushIntervalMs: 60_000, maxBuffered: 10, publish: async (ps) => void texts.push(ps) });
    const sent = [prediction(1), { ...prediction(2), customerId: '7590-VHVEG', variant: 'shadow' as const, features: { tenure: 2, total_charges: null } }, prediction(3)];
    for (const p of sent) b.add(p);
    await b.close();
    expect(texts).toHaveLength(1);
    expect(texts[0]!.every((t) => typeof t === 'string')).toBe(true);
    const parsed = parseEvent(predictionServedTopic, predictionServedEventJson(texts[0]!, { producer: 'serving' }).value);
    expect(parsed.ok && parsed.event.payload.predictions).toEqual(sent);
  });

  it('drops and reports a prediction that breaks the contract, without throwing into the caller', async () => {
    const published: number[] = [];
    const invalid: unknown[] = [];
    let dropped = 0;
    const b = new PredictionEventBatcher({
      maxBatch: 10,
      flushIntervalMs: 60_000,
      maxBuffered: 10,
      publish: async (ps) => void published.push(...ps.map(tenure)),
      onDrop: (n) => (dropped += n),
      onInvalid: (e) => invalid.push(e),
    });
    b.add(prediction(1));
    expect(() => b.add({ ...prediction(2), probability: 1.5 })).not.toThrow();
    expect(() => b.add({ ...prediction(3), extra: true } as ServedPrediction)).not.toThrow();
    b.add(prediction(4));
    expect(b.buffered).toBe(2);
    expect(dropped).toBe(2);
    expect(b.dropped).toBe(2);
    expect(invalid).toHaveLength(2);
    expect(invalid[0]).toBeInstanceOf(ContractValidationError);
    expect((invalid[0] as Error).message).toMatch(/probability: /);
    expect((invalid[1] as Error).message).toMatch(/extra/);
    await b.close();
    expect(published).toEqual([1, 4]);
  });
});

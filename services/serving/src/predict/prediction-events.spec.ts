import { randomUUID } from 'node:crypto';
import type { ServedPrediction } from '@mlops/contracts';
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

describe('PredictionEventBatcher', () => {
  it('publishes a batch as soon as maxBatch predictions wait, one publish at a time, in order', async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const b = new PredictionEventBatcher({
      maxBatch: 3,
      flushIntervalMs: 60_000,
      maxBuffered: 100,
      publish: async (ps) => {
        batches.push(ps.map((p) => p.features['tenure'] as number));
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
      publish: (ps) => (failing ? Promise.reject(new Error('broker down')) : Promise.resolve(void sent.push(...ps.map((p) => p.features['tenure'] as number)))),
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
});

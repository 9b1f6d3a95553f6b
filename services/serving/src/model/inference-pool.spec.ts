/**
 * @jest-environment ./libs/ml/src/onnx/jest-ort-environment.mjs
 */
import { resolve } from 'node:path';
import { GradientBoostingClassifier, Preprocessor, TELCO_FEATURES, exportPipelineToOnnx, fitFeatures, readCsvFile, type StepSpec } from '@mlops/ml';
import { createPipelineSession, type PipelineSession, type RawRow } from '@mlops/ml/onnx-runtime';
import { InferencePool, type PooledModel } from './inference-pool.js';

/** `pool.load` of a pool with live threads. */
async function loaded(pool: InferencePool, bytes: Uint8Array): Promise<PooledModel> {
  const model = await pool.load(bytes);
  if (model === undefined) throw new Error('no live inference thread');
  return model;
}

describe('InferencePool (onnxruntime in worker threads)', () => {
  let pipeline: PipelineSession;
  let rows: RawRow[];
  let pool: InferencePool;

  beforeAll(async () => {
    const ds = (await readCsvFile(resolve(process.cwd(), 'data/raw/customer_data.csv'), { schema: { customer_id: 'id', churn: 'target', senior_citizen: 'numeric' } })).dataset;
    const train = ds.take(Int32Array.from({ length: 2000 }, (_, i) => i));
    const features = fitFeatures(TELCO_FEATURES, train);
    const derived = features.apply(train);
    const steps: StepSpec[] = derived.schema
      .filter((c) => c.role === 'numeric' || c.role === 'categorical')
      .map((c) => (c.role === 'numeric' ? { column: c.name, kind: 'numeric', impute: 'median', scale: true } : { column: c.name, kind: 'onehot' }));
    const pre = new Preprocessor({ steps }).fit(derived);
    const model = new GradientBoostingClassifier({ nEstimators: 20, maxDepth: 3, learningRate: 0.1, randomState: 3 }).fit(pre.transform(derived), ds.labels('churn', 'Yes').subarray(0, 2000));
    pipeline = await createPipelineSession(exportPipelineToOnnx({ features, preprocessor: pre, model }));
    rows = Array.from({ length: 600 }, (_, r) => {
      const rec: Record<string, number | string | null> = { ...ds.record(3000 + r) };
      delete rec['customer_id'];
      delete rec['churn'];
      return rec;
    });
    pool = new InferencePool(2);
  }, 60_000);

  afterAll(async () => {
    await pool?.close();
    await pipeline?.release();
  });

  it('starts its threads at the first load, not before', async () => {
    expect(pool.alive).toBe(0);
    const model = await loaded(pool, pipeline.bytes);
    expect(pool.alive).toBe(2);
    model.release();
  });

  it('answers exactly as the session of this thread, with runs on both threads at once', async () => {
    expect(pipeline.packed).toBe(true);
    const model = await loaded(pool, pipeline.bytes);
    expect(model.usable && model.idle).toBe(true);
    const halves = [rows.slice(0, 300), rows.slice(300)];
    const runs = halves.map((h) => model.run(pipeline.inputs(h), h.length));
    expect(model.inFlight).toBe(2);
    expect(model.idle).toBe(false);
    const got = (await Promise.all(runs)).flatMap((p) => Array.from(p));
    const expected = Array.from(await pipeline.proba(rows));
    expect(got).toEqual(expected);
    expect(model.inFlight).toBe(0);
    model.release();
    expect(model.usable).toBe(false);
    await expect(model.run(pipeline.inputs(rows.slice(0, 1)), 1)).rejects.toThrow(`model ${model.id} was released`);
  });

  it('rejects a model a thread cannot load, and keeps serving the others', async () => {
    await expect(pool.load(Uint8Array.of(1, 2, 3))).rejects.toThrow(/inference thread could not load the model/);
    const model = await loaded(pool, pipeline.bytes);
    const p = await model.run(pipeline.inputs(rows.slice(0, 5)), 5);
    expect(Array.from(p)).toEqual(Array.from(await pipeline.proba(rows.slice(0, 5))));
    model.release();
    expect(pool.alive).toBe(2);
  });

  it('close lets the runs in flight finish, then ends the threads; the model is then unusable (callers run on their own thread)', async () => {
    const lonely = new InferencePool(1, () => undefined);
    const model = await loaded(lonely, pipeline.bytes);
    const run = model.run(pipeline.inputs(rows.slice(0, 3)), 3);
    await lonely.close();
    expect(Array.from(await run)).toEqual(Array.from(await pipeline.proba(rows.slice(0, 3))));
    expect(lonely.alive).toBe(0);
    expect(model.usable).toBe(false);
    // A closed pool loads nothing.
    await expect(lonely.load(pipeline.bytes)).rejects.toThrow('the pool is closed');
  });

  it('closes while models load and run without stopping a thread inside onnxruntime (which aborts the process)', async () => {
    // Before close waited for them, terminating a thread in the middle of a session creation
    // aborted the process ("terminate called after throwing an instance of 'Napi::Error'") within
    // a few dozen rounds of this loop.
    for (let round = 0; round < 12; round++) {
      const p = new InferencePool(2, () => undefined);
      const first = await loaded(p, pipeline.bytes);
      const run = first.run(pipeline.inputs(rows.slice(0, 200)), 200);
      const loading = p.load(pipeline.bytes);
      await p.close();
      expect(p.alive).toBe(0);
      expect((await run).length).toBe(200);
      const second = await loading;
      expect(second === undefined || !second.usable).toBe(true);
    }
  }, 60_000);
});

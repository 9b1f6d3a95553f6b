/**
 * @jest-environment ./libs/ml/src/onnx/jest-ort-environment.mjs
 */
import { resolve } from 'node:path';
import { readCsvFile } from '../data/csv.js';
import { TELCO_FEATURES, fitFeatures } from '../features/features.js';
import { GradientBoostingClassifier } from '../gbdt/gradient-boosting.js';
import { Preprocessor, type StepSpec } from '../preprocessing/preprocessor.js';
import { OnnxGraphBuilder } from './graph-builder.js';
import { encodeOnnxModel } from './onnx-model.js';
import { exportPipelineToOnnx, describePipeline } from './pipeline-adapter.js';
import { exportEnsembleToOnnx } from './tree-ensemble-export.js';
import { createOnnxSession, createPipelineSession, packOnnxInputs, runOnnxPipeline, type RawRow } from './runtime.js';

const CSV = resolve(process.cwd(), 'data/raw/customer_data.csv');

describe('packOnnxInputs on the exported Telco pipeline', () => {
  let onnx: Uint8Array;
  let rows: RawRow[];

  beforeAll(async () => {
    const ds = (await readCsvFile(CSV, { schema: { customer_id: 'id', churn: 'target', senior_citizen: 'numeric' } })).dataset;
    const train = ds.take(Int32Array.from({ length: 3000 }, (_, i) => i));
    const features = fitFeatures(TELCO_FEATURES, train);
    const derived = features.apply(train);
    const steps: StepSpec[] = derived.schema
      .filter((c) => c.role === 'numeric' || c.role === 'categorical')
      .map((c) => (c.role === 'numeric' ? { column: c.name, kind: 'numeric', impute: 'median', scale: true } : { column: c.name, kind: 'onehot' }));
    const pre = new Preprocessor({ steps }).fit(derived);
    const y = ds.labels('churn', 'Yes');
    const model = new GradientBoostingClassifier({ nEstimators: 30, maxDepth: 4, learningRate: 0.1, randomState: 7 }).fit(pre.transform(derived), y.subarray(0, 3000));
    onnx = exportPipelineToOnnx({ features, preprocessor: pre, model });
    expect(describePipeline(pre, features).rawColumns.length).toBe(19);
    rows = Array.from({ length: ds.rowCount }, (_, r) => {
      const rec: Record<string, number | string | null> = { ...ds.record(r) };
      delete rec['customer_id'];
      delete rec['churn'];
      return rec;
    });
  });

  it('packs the 15 string and 4 double columns into two inputs, keeping the column contract in graph order', async () => {
    const packed = packOnnxInputs(onnx)!;
    const original = await createOnnxSession(onnx);
    expect(packed.columns.map((c) => c.name)).toEqual(original.inputNames);
    expect(packed.columns.map((c) => c.type)).toEqual(original.inputMetadata.map((m) => (m.isTensor ? m.type : 'none')));
    expect(packed.groups.map((g) => [g.input, g.type, g.columns.length])).toEqual([
      ['packed_float64', 'float64', 4],
      ['packed_string', 'string', 15],
    ]);
    expect(packed.single).toEqual([]);
    const session = await createOnnxSession(packed.bytes);
    expect([...session.inputNames].sort()).toEqual(['packed_float64', 'packed_string']);
    expect(session.inputMetadata.map((m) => (m.isTensor ? m.shape : null))).toEqual(
      session.inputNames.map((n) => ['N', n === 'packed_string' ? 15 : 4]),
    );
    await Promise.all([original.release(), session.release()]);
  });

  it('gives exactly the probabilities of the per-column model on every Telco row (missing values included)', async () => {
    expect(rows.some((r) => r['total_charges'] === null)).toBe(true);
    const perColumn = await createOnnxSession(onnx);
    const expected = (await runOnnxPipeline(perColumn, rows)).proba;
    const packed = await createPipelineSession(onnx);
    expect(packed.packed).toBe(true);
    const got = await packed.proba(rows);
    expect(got.length).toBe(rows.length);
    let mismatches = 0;
    for (let r = 0; r < rows.length; r++) if (got[r] !== expected[r]) mismatches++;
    expect(mismatches).toBe(0);
    // The synchronous run (the same native session, no deferral) gives the same numbers, row by row too.
    expect(Array.from(packed.probaSync(rows))).toEqual(Array.from(got));
    expect(rows.slice(0, 50).map((row) => packed.probaSync([row])[0])).toEqual(Array.from(got.slice(0, 50)));
    // Odd rows: numeric strings are parsed, numbers in string columns are stringified, unknown categories are unknown.
    const odd: RawRow[] = [{ ...rows[0]!, tenure: '12', contract: 'no such contract', senior_citizen: undefined }];
    const [a, b] = await Promise.all([runOnnxPipeline(perColumn, odd), packed.proba(odd)]);
    expect(Array.from(b)).toEqual(Array.from(a.proba));
    await Promise.all([perColumn.release(), packed.release()]);
  });

  it('feeds per column when asked (pack: false) with the same answers', async () => {
    const plain = await createPipelineSession(onnx, { pack: false });
    const packed = await createPipelineSession(onnx);
    expect(plain.packed).toBe(false);
    expect(plain.columns).toEqual(packed.columns);
    const some = rows.slice(0, 64);
    expect(Array.from(await plain.proba(some))).toEqual(Array.from(await packed.proba(some)));
    expect((await plain.proba([])).length).toBe(0);
    await Promise.all([plain.release(), packed.release()]);
  });

  it('names the row and column of a value that is not a number', async () => {
    const packed = await createPipelineSession(onnx);
    await expect(packed.proba([rows[0]!, { ...rows[1]!, monthly_charges: 'abc' }])).rejects.toThrow("row 1, column 'monthly_charges': 'abc' is not a number");
    expect(() => packed.probaSync([{ ...rows[1]!, tenure: 'twelve' }])).toThrow("row 0, column 'tenure': 'twelve' is not a number");
    await packed.release();
  });
});

describe('packOnnxInputs on other graphs', () => {
  it('leaves a model alone when nothing is worth packing or the graph is outside the rewrite', () => {
    // One [N, 4] input (a bare ensemble export): nothing to pack.
    const ensemble = exportEnsembleToOnnx({
      trees: [{ feature: Int32Array.of(0, -1, -1), threshold: Float64Array.of(0.5, 0, 0), left: Int32Array.of(1, -1, -1), right: Int32Array.of(2, -1, -1), defaultLeft: Uint8Array.of(1, 0, 0), value: Float64Array.of(0, -1, 1), cover: Float64Array.of(2, 1, 1), gain: new Float64Array(3) }],
      splitRule: 'lt',
      link: 'logistic',
      baseMargin: 0,
      nFeatures: 4,
      featureNames: ['a', 'b', 'c', 'd'],
      float32Features: false,
    });
    expect(packOnnxInputs(ensemble)).toBeUndefined();
    // One column per element type: nothing to gain.
    const g = new OnnxGraphBuilder('one');
    const a = g.input('a', 'double', ['N', 1]);
    g.output(g.op1('Neg', [a]), 'double', ['N', 1], 'y');
    expect(packOnnxInputs(encodeOnnxModel(g.toModel()))).toBeUndefined();
  });

  it('picks fresh names when the graph already uses packed_float64', async () => {
    const g = new OnnxGraphBuilder('clash');
    const a = g.input('packed_float64', 'double', ['N', 1]);
    const b = g.input('b', 'double', ['N', 1]);
    g.output(g.op1('Sub', [a, b]), 'double', ['N', 1], 'y');
    const packed = packOnnxInputs(encodeOnnxModel(g.toModel()))!;
    expect(packed.groups).toEqual([{ input: 'packed_float64_1', type: 'float64', columns: ['packed_float64', 'b'] }]);
    const session = await createOnnxSession(packed.bytes);
    const { Tensor } = await import('onnxruntime-node');
    const out = await session.run({ packed_float64_1: new Tensor('float64', Float64Array.of(5, 2, 1, 7), [2, 2]) });
    expect(Array.from(out['y']!.data as Float64Array)).toEqual([3, -6]);
    await session.release();
  });

  it('rejects bytes that are not a protobuf message', () => {
    expect(() => packOnnxInputs(new Uint8Array(0))).toThrow('bytes must be a non-empty Uint8Array');
    expect(() => packOnnxInputs(Uint8Array.of(0x3a, 0x7f, 1))).toThrow(RangeError);
  });
});

/**
 * @jest-environment ./libs/ml/src/onnx/jest-ort-environment.mjs
 */
import * as ort from 'onnxruntime-node';
import { ensembleProba, type TreeEnsemble } from '../trees/tree.js';
import { boundaryRows, randomEnsemble } from './__fixtures__/random-ensemble.js';
import { exportEnsembleToOnnx, toOnnxTreeArrays, type TreePrecision } from './tree-ensemble-export.js';

async function runOnnx(bytes: Uint8Array, rows: Float64Array, nFeatures: number, type: 'float' | 'double') {
  const session = await ort.InferenceSession.create(bytes);
  const n = rows.length / nFeatures;
  const data = type === 'float' ? Float32Array.from(rows) : Float64Array.from(rows);
  const out = await session.run({ features: new ort.Tensor(type === 'float' ? 'float32' : 'float64', data, [n, nFeatures]) });
  const proba = out['probabilities']!;
  const label = out['label']!;
  expect(proba.dims).toEqual([n, 2]);
  expect(proba.type).toBe('float32');
  expect(label.dims).toEqual([n]);
  expect(label.type).toBe('int64');
  return { proba: proba.data as Float32Array, label: label.data as BigInt64Array };
}

function expectParity(e: TreeEnsemble, rows: Float64Array, res: { proba: Float32Array; label: BigInt64Array }, tol: number) {
  const n = rows.length / e.nFeatures;
  let maxErr = 0;
  let labelMismatches = 0;
  for (let r = 0; r < n; r++) {
    const p = ensembleProba(e, rows.subarray(r * e.nFeatures, (r + 1) * e.nFeatures));
    maxErr = Math.max(maxErr, Math.abs(res.proba[2 * r + 1]! - p), Math.abs(res.proba[2 * r]! - (1 - p)));
    if (res.label[r] !== (p > 1 - p ? 1n : 0n)) labelMismatches++;
  }
  expect(maxErr).toBeLessThan(tol);
  expect(labelMismatches).toBe(0);
  return maxErr;
}

describe('exportEnsembleToOnnx', () => {
  const cases: { rule: 'lt' | 'le'; link: 'logistic' | 'mean-probability'; precision: TreePrecision }[] = [];
  for (const rule of ['lt', 'le'] as const)
    for (const link of ['logistic', 'mean-probability'] as const)
      for (const precision of ['double', 'float'] as const) cases.push({ rule, link, precision });

  it.each(cases)(
    'float input, rule $rule, link $link, $precision trees: equals ensembleProba within 1e-6 on NaN and boundary rows',
    async ({ rule, link, precision }) => {
      const e = randomEnsemble(11, { nTrees: 60, nFeatures: 5, maxDepth: 5, splitRule: rule, link });
      const rows = boundaryRows(e, 3, 3000, true);
      const res = await runOnnx(exportEnsembleToOnnx(e, { treePrecision: precision }), rows, e.nFeatures, 'float');
      expectParity(e, rows, res, 1e-6);
    },
  );

  it.each(['lt', 'le'] as const)('double input with exact float64 thresholds, rule %s: every decision matches', async (rule) => {
    const e = randomEnsemble(5, { nTrees: 40, nFeatures: 4, maxDepth: 6, splitRule: rule, link: 'logistic' });
    const rows = boundaryRows(e, 9, 3000, false); // includes x == t exactly for float64 t
    const res = await runOnnx(exportEnsembleToOnnx(e, { inputType: 'double' }), rows, e.nFeatures, 'double');
    expectParity(e, rows, res, 1e-7);
  });

  it('float32Features ensembles round a double input to float32 first, like Math.fround in leafIndex', async () => {
    const e = randomEnsemble(8, { nTrees: 30, nFeatures: 4, maxDepth: 5, splitRule: 'lt', link: 'logistic', float32Features: true });
    const rows = boundaryRows(e, 4, 2000, false);
    for (const precision of ['double', 'float'] as const) {
      const res = await runOnnx(exportEnsembleToOnnx(e, { inputType: 'double', treePrecision: precision }), rows, e.nFeatures, 'double');
      expectParity(e, rows, res, 1e-6);
    }
  });

  it('nearest rounding of thresholds would flip decisions on these rows (the trap the directed rounding avoids)', () => {
    const e = randomEnsemble(11, { nTrees: 60, nFeatures: 5, maxDepth: 5, splitRule: 'le', link: 'logistic' });
    const rows = boundaryRows(e, 3, 3000, true);
    const nearest: TreeEnsemble = {
      ...e,
      trees: e.trees.map((t) => ({ ...t, threshold: t.threshold.map((v) => Math.fround(v)) })),
    };
    let differing = 0;
    for (let r = 0; r < 3000; r++) {
      const row = rows.subarray(r * 5, r * 5 + 5);
      if (ensembleProba(e, row) !== ensembleProba(nearest, row)) differing++;
    }
    expect(differing).toBeGreaterThan(100);
  });

  it('exports a single-leaf tree and maps true/false branches to left/right', () => {
    const leafOnly = {
      feature: Int32Array.from([-1]),
      threshold: new Float64Array(1),
      left: Int32Array.from([-1]),
      right: Int32Array.from([-1]),
      defaultLeft: new Uint8Array(1),
      value: Float64Array.from([0.25]),
      cover: new Float64Array(1),
      gain: new Float64Array(1),
    };
    const stump = {
      feature: Int32Array.from([1, -1, -1]),
      threshold: Float64Array.from([0.1, 0, 0]),
      left: Int32Array.from([1, -1, -1]),
      right: Int32Array.from([2, -1, -1]),
      defaultLeft: Uint8Array.from([1, 0, 0]),
      value: Float64Array.from([0, -1, 1]),
      cover: new Float64Array(3),
      gain: new Float64Array(3),
    };
    const e: TreeEnsemble = {
      trees: [leafOnly, stump],
      splitRule: 'lt',
      link: 'logistic',
      baseMargin: 0,
      nFeatures: 2,
      featureNames: ['a', 'b'],
      float32Features: false,
    };
    const a = toOnnxTreeArrays(e, 'double');
    expect(a.treeRoots).toEqual([0, 1]);
    expect(a.featureIds).toEqual([0, 1]);
    expect(a.trueLeafs).toEqual([1, 1]);
    expect(a.falseLeafs).toEqual([1, 1]);
    // leaf 0 = the single leaf; stump: true (x < 0.1) -> our left leaf (-1), false -> right (1)
    expect(a.leafWeights).toEqual([0.25, -1, 1]);
    expect(a.trueNodeIds).toEqual([0, 1]);
    expect(a.falseNodeIds).toEqual([0, 2]);
    expect(a.missingTracksTrue).toEqual([1, 1]);
    expect(a.modes).toEqual([0, 1]);
  });

  it('rejects empty ensembles and out-of-range features with a message naming the problem', () => {
    const e = randomEnsemble(1, { nTrees: 2, nFeatures: 3, maxDepth: 2, splitRule: 'lt', link: 'logistic' });
    expect(() => exportEnsembleToOnnx({ ...e, trees: [] })).toThrow(/ensemble.trees is empty/);
    expect(() => exportEnsembleToOnnx({ ...e, nFeatures: 0 })).toThrow(/splits on feature \d+, but nFeatures is 0/);
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@mlops/config';
import { GradientBoostingClassifier, takeLabels, takeRows } from '@mlops/ml';
import { buildFeatures, createExplainerArtifact, encodeExplainerArtifact, readTrainingCsv, splitData } from '@mlops/training';
import { treeShapExplainer, type ServingRow } from './explainer.js';
import { FileModelSource } from './model-source.js';

const config = loadConfig({ env: {}, configDir: 'config' });
const MODEL = 'churn-explained';
let dir: string;
let rows: ServingRow[];
let inProcess: ReturnType<typeof treeShapExplainer>;
let artifactBytes: Uint8Array;

beforeAll(async () => {
  const split = splitData(await readTrainingCsv('data/raw/customer_data.csv', config), config, 0.2);
  const p = buildFeatures(split.raw, split.idx.train, config);
  const trainX = takeRows(p.x, split.idx.train);
  const model = new GradientBoostingClassifier({ nEstimators: 20, maxDepth: 3, randomState: 42 }).fit(trainX, takeLabels(split.y, split.idx.train));
  artifactBytes = encodeExplainerArtifact(createExplainerArtifact({ features: p.features, preprocessor: p.preprocessor, model }, trainX)).bytes;
  inProcess = treeShapExplainer(model.toEnsemble(), { transform: (row) => p.preprocessor.transformRecord(p.features.applyRecord(row)) }, p.x.columnNames);
  const test = split.raw.take(split.idx.test.subarray(0, 50));
  rows = Array.from({ length: test.rowCount }, (_, r) => test.record(r) as ServingRow);
  dir = mkdtempSync(join(tmpdir(), 'serving-model-source-'));
  // The source reads the bytes; the graph is checked later by loadServedModel, not here.
  writeFileSync(join(dir, 'champion.onnx'), new Uint8Array([1, 2, 3]));
  writeFileSync(join(dir, 'champion.json'), JSON.stringify({ name: MODEL, version: 3, threshold: 0.4, inputSchema: [{ name: 'tenure', type: 'float' }] }));
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('FileModelSource with the training explainer artifact beside the model', () => {
  it('without model.explainer.json: the version has no explainer', async () => {
    const a = await new FileModelSource({ champion: join(dir, 'champion.onnx') }).load(MODEL, 'champion');
    expect(a.metadata.version).toBe(3);
    expect(a.explainer).toBeUndefined();
  });

  it('with it: contributions equal the in-process TreeSHAP explainer of the same fitted pipeline', async () => {
    writeFileSync(join(dir, 'champion.explainer.json'), artifactBytes);
    const a = await new FileModelSource({ champion: join(dir, 'champion.onnx') }).load(MODEL, 'champion');
    expect(a.explainer).toBeDefined();
    for (const row of rows) {
      const got = a.explainer!.explain(row, 1000);
      const want = inProcess.explain(row, 1000);
      expect(got).toEqual(want);
      expect(got.contributions.length).toBeGreaterThan(30);
    }
    expect(a.explainer!.explain(rows[0]!, 3).contributions).toEqual(inProcess.explain(rows[0]!, 3).contributions);
    rmSync(join(dir, 'champion.explainer.json'));
  });

  it('a malformed artifact fails the load, naming the file and the field', async () => {
    const path = join(dir, 'champion.explainer.json');
    writeFileSync(path, JSON.stringify({ kind: 'pipeline-explainer', formatVersion: 1, method: 'kernel' }));
    await expect(new FileModelSource({ champion: join(dir, 'champion.onnx') }).load(MODEL, 'champion')).rejects.toThrow(
      `${MODEL}@3 explainer (${path}): method must be tree_shap or linear_shap, got kernel`,
    );
    writeFileSync(path, '{not json');
    await expect(new FileModelSource({ champion: join(dir, 'champion.onnx') }).load(MODEL, 'champion')).rejects.toThrow(`${path}: not JSON`);
    rmSync(path);
  });
});

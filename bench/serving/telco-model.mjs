// The model every serving bench serves: the Telco pipeline (seed features, median imputation +
// scaling, one-hot) with gradient boosting (100 trees, depth 6) fitted on the stratified train split
// (seed 42), exported to ONNX with its metadata; and single rows of the test split.
import { GradientBoostingClassifier, Preprocessor, TELCO_FEATURES, describePipeline, exportPipelineToOnnx, fitFeatures, readCsvFile, stratifiedSplit } from '@mlops/ml';

export async function trainTelcoPipeline(csv) {
  const ds = (await readCsvFile(csv, { schema: { customer_id: 'id', churn: 'target', senior_citizen: 'numeric' } })).dataset;
  const y = ds.labels('churn', 'Yes');
  const idx = stratifiedSplit(y, { testSize: 0.2, seed: 42 });
  const train = ds.take(idx.train);
  const features = fitFeatures(TELCO_FEATURES, train);
  const derived = features.apply(train);
  const steps = derived.schema.filter((c) => c.role === 'numeric' || c.role === 'categorical').map((c) => (c.role === 'numeric' ? { column: c.name, kind: 'numeric', impute: 'median', scale: true } : { column: c.name, kind: 'onehot' }));
  const pre = new Preprocessor({ steps }).fit(derived);
  const t0 = performance.now();
  const model = new GradientBoostingClassifier({ nEstimators: 100, maxDepth: 6, learningRate: 0.1, randomState: 42 }).fit(pre.transform(derived), Uint8Array.from(idx.train, (i) => y[i]));
  const trainSeconds = (performance.now() - t0) / 1000;
  const onnx = exportPipelineToOnnx({ features, preprocessor: pre, model });
  const inputSchema = describePipeline(pre, features).rawColumns.map((c) => ({ name: c.name, type: c.type === 'numeric' ? 'float' : 'string' }));
  const test = ds.take(idx.test);
  const testRows = Array.from({ length: test.rowCount }, (_, r) => {
    const rec = test.record(r);
    delete rec.customer_id;
    delete rec.churn;
    return rec;
  });
  return { onnx, inputSchema, testRows, trainSeconds };
}

/**
 * @jest-environment ./libs/ml/src/onnx/jest-ort-environment.mjs
 */
import { resolve } from 'node:path';
import { matrixFromRows, takeLabels } from '../core/matrix.js';
import { readCsvFile } from '../data/csv.js';
import { Dataset, categoricalFromValues, numericColumn } from '../data/dataset.js';
import { RandomForestClassifier } from '../forest/index.js';
import { GradientBoostingClassifier } from '../gbdt/gradient-boosting.js';
import { LogisticRegression } from '../linear/index.js';
import { Preprocessor, type StepSpec } from '../preprocessing/preprocessor.js';
import { describePipeline, exportPipelineToOnnx } from './pipeline-adapter.js';
import type { DerivedFeatureSpec } from './pipeline-export.js';
import { createOnnxSession, runOnnxPipeline, type RawRow } from './runtime.js';

const CSV = resolve(process.cwd(), 'data/raw/customer_data.csv');

/** The seed's derived features, computed in plain JS (stand-in until libs/ml/src/features lands). */
function deriveColumns(ds: Dataset, medianCharges: number): Dataset {
  const tenure = ds.numeric('tenure');
  const charges = ds.numeric('monthly_charges');
  const contract = ds.categorical('contract');
  const labels = ['New', 'Medium', 'Long', 'Very_Long'];
  const edges = [0, 12, 24, 48, Infinity];
  const bin = Array.from(tenure, (t) => {
    for (let j = 0; j < 4; j++) if (t > edges[j]! && t <= edges[j + 1]!) return labels[j]!;
    return null;
  });
  return ds.withColumns([
    categoricalFromValues('tenure_category', bin),
    numericColumn('total_amount', Float64Array.from(tenure, (t, i) => t * charges[i]!)),
    numericColumn('avg_monthly_charges', Float64Array.from(tenure, (t, i) => charges[i]! / (t + 1))),
    numericColumn(
      'is_high_risk',
      Float64Array.from(contract.codes, (c, i) => (c >= 0 && contract.categories[c] === 'Month-to-month' && charges[i]! > medianCharges ? 1 : 0)),
    ),
  ]);
}

function medianOf(v: Float64Array): number {
  const s = Array.from(v).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

describe('exportPipelineToOnnx with the real Preprocessor and learners, every Telco row', () => {
  let ds: Dataset;
  let full: Dataset;
  let featureSpec: DerivedFeatureSpec[];
  let pre: Preprocessor;
  let rows: RawRow[];

  beforeAll(async () => {
    ds = (await readCsvFile(CSV, { schema: { customer_id: 'id', churn: 'target', senior_citizen: 'numeric' } })).dataset;
    const train = Int32Array.from({ length: 5000 }, (_, i) => i);
    const med = medianOf(ds.take(train).numeric('monthly_charges'));
    featureSpec = [
      { kind: 'bins', name: 'tenure_category', source: 'tenure', edges: [0, 12, 24, 48, Infinity], labels: ['New', 'Medium', 'Long', 'Very_Long'] },
      { kind: 'product', name: 'total_amount', left: 'tenure', right: 'monthly_charges' },
      { kind: 'ratio', name: 'avg_monthly_charges', numerator: 'monthly_charges', denominator: 'tenure', offset: 1 },
      { kind: 'flag', name: 'is_high_risk', categorical: { column: 'contract', equals: 'Month-to-month' }, numeric: { column: 'monthly_charges', greaterThan: med } },
    ];
    full = deriveColumns(ds, med);
    const steps: StepSpec[] = [];
    for (const c of full.schema) {
      if (c.role === 'numeric') steps.push({ column: c.name, kind: 'numeric', impute: 'median', scale: true });
      else if (c.role === 'categorical' && c.name === 'contract') steps.push({ column: c.name, kind: 'ordinal' });
      else if (c.role === 'categorical' && c.name === 'payment_method') {
        steps.push({ column: c.name, kind: 'onehot', handleUnknown: 'infrequent_if_exist', minFrequency: 1600 });
      } else if (c.role === 'categorical') steps.push({ column: c.name, kind: 'onehot' });
    }
    pre = new Preprocessor({ steps }).fit(full.take(train));
    rows = Array.from({ length: ds.rowCount }, (_, r) => ds.record(r));
  });

  it('describes raw inputs by type and keeps the preprocessing output order', () => {
    const d = describePipeline(pre, featureSpec);
    expect(d.outputs.length).toBe(pre.describe().length);
    expect(d.rawColumns.find((c) => c.name === 'contract')!.type).toBe('categorical');
    expect(d.rawColumns.find((c) => c.name === 'total_charges')!.type).toBe('numeric');
    expect(d.rawColumns.some((c) => c.name === 'tenure_category')).toBe(false);
    expect(d.outputs.some((o) => o.kind === 'onehot' && o.category === null)).toBe(true); // infrequent column exercised
  });

  it('gbdt, random forest and logistic regression: ONNX on raw rows equals predictProba(preprocessor.transform) within 1e-6', async () => {
    const x = pre.transform(full);
    const churn = ds.categorical('churn');
    const y = Uint8Array.from(churn.codes, (c) => (churn.categories[c] === 'Yes' ? 1 : 0));
    const trainIdx = Int32Array.from({ length: 5000 }, (_, i) => i);
    const xTrain = pre.transform(full.take(trainIdx));
    const yTrain = takeLabels(y, trainIdx);
    const models = [
      new GradientBoostingClassifier({ nEstimators: 60, maxDepth: 5, randomState: 7 }).fit(xTrain, yTrain),
      new RandomForestClassifier({ nEstimators: 25, maxDepth: 10, randomState: 7 }).fit(xTrain, yTrain),
      new LogisticRegression({ C: 0.5 }).fit(xTrain, yTrain),
    ];
    for (const model of models) {
      const session = await createOnnxSession(exportPipelineToOnnx({ featureSpec, preprocessor: pre, model }));
      const res = await runOnnxPipeline(session, rows);
      const want = model.predictProba(x);
      let maxErr = 0;
      for (let r = 0; r < rows.length; r++) maxErr = Math.max(maxErr, Math.abs(res.proba[r]! - want[r]!));
      expect({ model: model.kind, within1e6: maxErr < 1e-6 }).toEqual({ model: model.kind, within1e6: true });
    }
  }, 120_000);

  it('unknown, infrequent and missing categories and missing numbers follow transformRecord', async () => {
    // gbdt: the ordinal column gives NaN for a missing contract, which gbdt routes natively.
    const churn = ds.categorical('churn');
    const y = Uint8Array.from(churn.codes, (c) => (churn.categories[c] === 'Yes' ? 1 : 0));
    const model = new GradientBoostingClassifier({ nEstimators: 30, maxDepth: 4, randomState: 1 }).fit(pre.transform(full), y);
    const session = await createOnnxSession(exportPipelineToOnnx({ featureSpec, preprocessor: pre, model }));
    const probes: RawRow[] = [
      { ...rows[0]!, contract: 'Three year', payment_method: 'Bitcoin', gender: null },
      { ...rows[1]!, contract: null, payment_method: 'Mailed check', total_charges: null, tenure: null },
      { ...rows[2]!, monthly_charges: null, internet_service: 'Satellite' },
    ];
    const res = await runOnnxPipeline(session, probes);
    const withDerived = (r: RawRow): Record<string, number | string | null> => {
      const one = deriveColumns(
        new Dataset([
          numericColumn('tenure', [r['tenure'] === null ? Number.NaN : Number(r['tenure'])]),
          numericColumn('monthly_charges', [r['monthly_charges'] === null ? Number.NaN : Number(r['monthly_charges'])]),
          categoricalFromValues('contract', [r['contract'] as string | null]),
        ]),
        (featureSpec[3] as Extract<DerivedFeatureSpec, { kind: 'flag' }>).numeric.greaterThan,
      ).record(0);
      return { ...r, ...withoutRaw(one) } as Record<string, number | string | null>;
    };
    const withoutRaw = (o: Record<string, number | string | null>) => {
      const { tenure: _t, monthly_charges: _m, contract: _c, ...rest } = o;
      return rest;
    };
    probes.forEach((r, i) => {
      const want = model.predictProba(matrixFromRows([Array.from(pre.transformRecord(withDerived(r)))]))[0]!;
      expect(Math.abs(res.proba[i]! - want)).toBeLessThan(1e-6);
    });
  });
});

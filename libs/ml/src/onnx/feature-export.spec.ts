/**
 * @jest-environment ./libs/ml/src/onnx/jest-ort-environment.mjs
 */
import { resolve } from 'node:path';
import { matrixFromRows } from '../core/matrix.js';
import { Rng } from '../core/random.js';
import { readCsvFile } from '../data/csv.js';
import { Dataset, categoricalFromValues, numericColumn } from '../data/dataset.js';
import { type FeatureSpec, type FittedFeatures, fitFeatures } from '../features/features.js';
import { LogisticRegression } from '../linear/index.js';
import { Preprocessor, type StepSpec } from '../preprocessing/preprocessor.js';
import { encodeOnnxModel } from './onnx-model.js';
import { describePipeline, exportPipelineToOnnx } from './pipeline-adapter.js';
import { buildPipelineGraph, stringOrderPattern } from './pipeline-export.js';
import { createOnnxSession, onnxFeeds, runOnnxPipeline, type RawRow } from './runtime.js';
import { OnnxGraphBuilder } from './graph-builder.js';

const CSV = resolve(process.cwd(), 'data/raw/customer_data.csv');

/** Every kind of feature and condition the features module has, on the Telco columns. */
const GENERAL: FeatureSpec = {
  features: [
    { name: 'tenure_left', kind: 'bins', source: 'tenure', edges: ['-inf', 0, 12, 72], labels: ['none', 'first_year', 'later'], right: false, includeLowest: true },
    { name: 'charges_band', kind: 'bins', source: 'monthly_charges', edges: [18.25, 35, 70.35, 'inf'], labels: ['low', 'mid', 'high'], includeLowest: true },
    { name: 'total_amount', kind: 'product', sources: ['tenure', 'monthly_charges'] },
    { name: 'billed_ratio', kind: 'ratio', numerator: 'total_charges', denominator: 'total_amount', offset: 0.5 },
    { name: 'per_senior', kind: 'ratio', numerator: 'tenure', denominator: 'senior_citizen' },
    { name: 'amount_band', kind: 'bins', source: 'total_amount', edges: [0, 1000, 5000, 'inf'], labels: ['s', 'm', 'l'] },
    {
      name: 'loyal_card',
      kind: 'flag',
      all: [
        { column: 'contract', op: 'ne', value: 'Month-to-month' },
        { column: 'payment_method', op: 'ge', value: 'Credit' },
        { column: 'tenure', op: 'le', statistic: 'mean' },
      ],
    },
    {
      name: 'dsl_cheap',
      kind: 'flag',
      all: [
        { column: 'internet_service', op: 'lt', value: 'Fiber optic' },
        { column: 'monthly_charges', op: 'ge', statistic: 'median' },
        { column: 'total_charges', op: 'ne', value: 20.2 },
      ],
    },
    { name: 'gender_partner', kind: 'flag', all: [{ column: 'gender', op: 'le', value: 'Female' }, { column: 'partner', op: 'gt', value: 'No' }] },
    { name: 'senior_eq', kind: 'flag', all: [{ column: 'senior_citizen', op: 'eq', value: '1' }] },
    { name: 'senior_ne_text', kind: 'flag', all: [{ column: 'senior_citizen', op: 'ne', value: '1.0' }] },
    { name: 'banded', kind: 'flag', all: [{ column: 'tenure_left', op: 'eq', value: 'first_year' }, { column: 'charges_band', op: 'ne', value: 'high' }] },
    { name: 'on_flag', kind: 'flag', all: [{ column: 'loyal_card', op: 'ge', value: 1 }, { column: 'total_charges', op: 'gt', statistic: 'median' }] },
    { name: 'always', kind: 'flag', all: [] },
  ],
};

/** Feature values by name out of the exported graph (each feature's value is marked as an output). */
async function onnxFeatureValues(fitted: FittedFeatures, pre: Preprocessor, model: LogisticRegression, rows: readonly RawRow[]) {
  const g = buildPipelineGraph(describePipeline(pre, fitted), model);
  const m = g.toModel();
  for (const f of fitted.spec.features) {
    const node = m.graph.nodes.find((n) => n.outputs[0] === f.name);
    if (node === undefined) throw new Error(`no node outputs '${f.name}'`);
    g.output(f.name, f.kind === 'bins' ? 'string' : 'double', ['N', 1]);
  }
  const session = await createOnnxSession(encodeOnnxModel(g.toModel()));
  const out = await session.run(onnxFeeds(session, rows));
  return (name: string, r: number): number | string | null => {
    const v = out[name]!.data[r] as number | string;
    return v === '' || (typeof v === 'number' && Number.isNaN(v)) ? null : v;
  };
}

/** A record with each raw column in turn missing, then unseen (a new category, an out-of-range number, 0). */
function probesFor(base: RawRow, raw: readonly { name: string; type: 'numeric' | 'categorical' }[]): RawRow[] {
  const probes: RawRow[] = [];
  for (const c of raw) {
    probes.push({ ...base, [c.name]: null });
    if (c.type === 'categorical') probes.push({ ...base, [c.name]: 'Never seen' }, { ...base, [c.name]: 'A' }, { ...base, [c.name]: 'zz' });
    else probes.push({ ...base, [c.name]: -3.5 }, { ...base, [c.name]: 0 }, { ...base, [c.name]: 1e6 });
  }
  probes.push(Object.fromEntries(raw.map((c) => [c.name, null])));
  return probes;
}

describe('exported features equal FittedFeatures.apply / applyRecord', () => {
  let ds: Dataset;
  let fitted: FittedFeatures;
  let pre: Preprocessor;
  let model: LogisticRegression;

  beforeAll(async () => {
    ds = (await readCsvFile(CSV, { schema: { customer_id: 'id', churn: 'target', senior_citizen: 'numeric' } })).dataset;
    const train = ds.take(Int32Array.from({ length: 5000 }, (_, i) => i));
    fitted = fitFeatures(GENERAL, train);
    const derived = fitted.apply(train);
    const steps: StepSpec[] = [];
    for (const c of derived.schema) {
      if (c.name === 'per_senior') continue; // infinite values: not a scaler input
      if (c.role === 'numeric') steps.push({ column: c.name, kind: 'numeric', impute: 'median', scale: true });
      else if (c.role === 'categorical') steps.push({ column: c.name, kind: 'onehot' });
    }
    pre = new Preprocessor({ steps }).fit(derived);
    const y = train.labels('churn', 'Yes');
    model = new LogisticRegression({ C: 1 }).fit(pre.transform(derived), y);
  });

  it('every feature on every Telco row, exactly', async () => {
    const rows = Array.from({ length: ds.rowCount }, (_, r) => ds.record(r));
    const value = await onnxFeatureValues(fitted, pre, model, rows);
    const want = fitted.apply(ds);
    const mismatches: string[] = [];
    for (const name of fitted.names) {
      for (let r = 0; r < ds.rowCount; r++) if (!Object.is(value(name, r), want.value(name, r))) mismatches.push(`${name}@${r}`);
    }
    expect(mismatches.slice(0, 10)).toEqual([]);
    // The data exercise the edge cases: tenure 0, senior_citizen 0 (x/0, 0/0), missing total_charges, both flag outcomes.
    expect(want.numeric('per_senior').some((v) => v === Infinity)).toBe(true);
    expect(want.numeric('per_senior').some((v) => Number.isNaN(v))).toBe(true);
    for (const f of ['loyal_card', 'dsl_cheap', 'gender_partner', 'senior_eq', 'banded', 'on_flag']) {
      const v = want.numeric(f);
      expect([v.includes(0), v.includes(1)]).toEqual([true, true]);
    }
    expect(want.numeric('senior_ne_text').every((v) => v === 1)).toBe(true);
  });

  it('records with a missing or unseen value in every raw column: features and probabilities', async () => {
    const raw = describePipeline(pre, fitted).rawColumns;
    const probes = probesFor(ds.record(3), raw);
    const value = await onnxFeatureValues(fitted, pre, model, probes);
    const session = await createOnnxSession(exportPipelineToOnnx({ features: fitted, preprocessor: pre, model }));
    const res = await runOnnxPipeline(session, probes);
    probes.forEach((p, r) => {
      const rec = fitted.applyRecord(p);
      for (const name of fitted.names) expect({ r, name, v: value(name, r) }).toEqual({ r, name, v: rec[name] ?? null });
      const want = model.predictProba(matrixFromRows([Array.from(pre.transformRecord(rec))]))[0]!;
      expect(Math.abs(res.proba[r]! - want)).toBeLessThan(1e-6);
    });
  });
});

describe('flag conditions on other column types', () => {
  const words = ['', 'a', 'A', 'ab', 'abc', 'b', 'B', 'Ba', 'é', 'éa', 'z', 'Z', '~', 'ÿ', '\u00e9t\u00e9', '\uffee', '\uffee!', '\ud83d\ude00', 'a\ud83d\ude00', 'a\n', '0'];

  it('string targets order like JavaScript (UTF-16 code units), with missing values false', async () => {
    const rng = new Rng(5);
    const alphabet = ['a', 'b', 'A', 'é', '\uffee', '\ud83d\ude00', ' ', '\n', '0'];
    const values: (string | null)[] = [...words, null];
    for (let i = 0; i < 300; i++) values.push(Array.from({ length: rng.nextInt(4) }, () => alphabet[rng.nextInt(alphabet.length)]!).join(''));
    const targets = ['', 'a', 'ab', 'B', 'é', '\uffee', '\uffff', '\u0000', 'a\n', 'Month-to-month'];
    const ops = ['gt', 'ge', 'lt', 'le', 'eq', 'ne'] as const;
    const spec: FeatureSpec = {
      features: targets.flatMap((t, i) => ops.map((op) => ({ name: `f${i}_${op}`, kind: 'flag' as const, all: [{ column: 's', op, value: t }] }))),
    };
    const data = new Dataset([categoricalFromValues('s', values)]);
    const fitted = fitFeatures(spec, data);
    const want = fitted.apply(data);
    const g = new OnnxGraphBuilder('flags');
    const { addFeatureNodes } = await import('./feature-export.js');
    const vals = new Map([['s', { name: g.input('s', 'string', ['N', 1]), type: 'string' as const }]]);
    addFeatureNodes(g, fitted, vals);
    for (const n of fitted.names) g.output(vals.get(n)!.name, 'double', ['N', 1], n);
    const session = await createOnnxSession(encodeOnnxModel(g.toModel()));
    const out = await session.run(onnxFeeds(session, values.map((s) => ({ s }))));
    let mismatches = 0;
    for (const n of fitted.names) for (let r = 0; r < values.length; r++) if ((out[n]!.data as Float64Array)[r] !== want.numeric(n)[r]) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('a numeric target on a categorical column parses it like toNumber; a string target on a numeric column compares String(x)', async () => {
    const data = new Dataset([
      categoricalFromValues('code', ['3', '10', ' 7 ', null, '2.5', '-1', '3']),
      numericColumn('x', [1, 0.1, -0, NaN, 1e21, 3, 100]),
    ]);
    const spec: FeatureSpec = {
      features: [
        { name: 'code_gt', kind: 'flag', all: [{ column: 'code', op: 'gt', value: 2.5 }] },
        { name: 'code_ne', kind: 'flag', all: [{ column: 'code', op: 'ne', value: 3 }] },
        { name: 'code_le_mean', kind: 'flag', all: [{ column: 'code', op: 'le', value: 4 }] },
        { name: 'x_eq', kind: 'flag', all: [{ column: 'x', op: 'eq', value: '0.1' }] },
        { name: 'x_zero', kind: 'flag', all: [{ column: 'x', op: 'eq', value: '0' }] },
        { name: 'x_big', kind: 'flag', all: [{ column: 'x', op: 'eq', value: '1e+21' }] },
        { name: 'x_ne', kind: 'flag', all: [{ column: 'x', op: 'ne', value: '1.0' }] },
        { name: 'x_ne_nan', kind: 'flag', all: [{ column: 'x', op: 'ne', value: 'NaN' }] },
      ],
    };
    const fitted = fitFeatures(spec, data);
    const want = fitted.apply(data);
    const g = new OnnxGraphBuilder('mixed');
    const { addFeatureNodes } = await import('./feature-export.js');
    const vals = new Map([
      ['code', { name: g.input('code', 'string', ['N', 1]), type: 'string' as const }],
      ['x', { name: g.input('x', 'double', ['N', 1]), type: 'double' as const }],
    ]);
    addFeatureNodes(g, fitted, vals);
    for (const n of fitted.names) g.output(vals.get(n)!.name, 'double', ['N', 1], n);
    const session = await createOnnxSession(encodeOnnxModel(g.toModel()));
    const rows = Array.from({ length: data.rowCount }, (_, r) => data.record(r));
    const out = await session.run(onnxFeeds(session, rows));
    for (const n of fitted.names) expect({ n, v: Array.from(out[n]!.data as Float64Array) }).toEqual({ n, v: Array.from(want.numeric(n)) });
  });

  it('rejects what ONNX cannot compute exactly, naming the feature', () => {
    const data = new Dataset([numericColumn('x', [1, 2]), categoricalFromValues('s', ['a', 'b'])]);
    const build = (spec: FeatureSpec) => () => {
      const fitted = fitFeatures(spec, data);
      const pre = new Preprocessor({ steps: [{ column: 'x', kind: 'numeric' }] }).fit(fitted.apply(data));
      return exportPipelineToOnnx({ features: fitted, preprocessor: pre, model: { coef: [1], intercept: 0 } });
    };
    expect(build({ features: [{ name: 'f', kind: 'flag', all: [{ column: 'x', op: 'gt', value: '1' }] }] })).toThrow(
      /feature 'f': 'x' is numeric, and ordering String\(x\) against '1' \(gt\) has no exact ONNX form/,
    );
    expect(build({ features: [{ name: 'g', kind: 'flag', all: [{ column: 's', op: 'lt', value: 'a\ud83d\ude00' }] }] })).toThrow(
      /feature 'g': the lt target .* has a character outside the Basic Multilingual Plane/,
    );
    expect(() => stringOrderPattern('\ud83d', 'gt')).toThrow(/outside the Basic Multilingual Plane/);
  });
});

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../data/csv.js';
import { Dataset } from '../data/dataset.js';
import { stratifiedSplit } from '../split/stratified.js';
import { Preprocessor, PreprocessorError, type PreprocessorSpec } from './preprocessor.js';

const here = dirname(fileURLToPath(import.meta.url));
const telco = parseCsv(readFileSync(join(here, '../../../../data/raw/customer_data.csv'))).dataset;

const schema = [
  { name: 'x', role: 'numeric', type: 'numeric' },
  { name: 'c', role: 'categorical', type: 'categorical' },
] as const;
const train = Dataset.fromRecords(
  [
    { x: 1, c: 'b' },
    { x: null, c: 'a' },
    { x: 3, c: 'b' },
    { x: 10, c: null },
    { x: 4, c: 'c' },
  ],
  schema,
);

describe('Preprocessor', () => {
  it('imputes the training median, scales with population std, one-hot sorted categories', () => {
    const p = new Preprocessor({ steps: [{ column: 'x', kind: 'numeric', impute: 'median', scale: true }, { column: 'c', kind: 'onehot' }] }).fit(train);
    // median of [1, 3, 10, 4] = (3 + 4) / 2; filled [1, 3.5, 3, 10, 4]
    const filled = [1, 3.5, 3, 10, 4];
    const mean = filled.reduce((a, b) => a + b) / 5;
    const std = Math.sqrt(filled.reduce((a, b) => a + (b - mean) ** 2, 0) / 5);
    expect(p.describe()[0]).toMatchObject({ name: 'x', kind: 'numeric', imputeValue: 3.5, scaleMean: mean, scaleStd: std });
    expect(p.outputNames).toEqual(['x', 'c_a', 'c_b', 'c_c']);
    const m = p.transform(train);
    expect(m.rows).toBe(5);
    const row = (r: number) => Array.from({ length: m.cols }, (_, c) => m.data[c * m.rows + r]);
    expect(row(1)).toEqual([(3.5 - mean) / std, 1, 0, 0]);
    expect(row(3)).toEqual([(10 - mean) / std, 0, 0, 0]); // missing category -> all zeros
  });

  it('unknown categories: ignore -> zeros, error -> exact message, infrequent -> the infrequent column', () => {
    const test = Dataset.fromRecords([{ x: 2, c: 'zzz' }], schema);
    const ignore = new Preprocessor({ steps: [{ column: 'c', kind: 'onehot' }] }).fit(train);
    expect(Array.from(ignore.transform(test).data)).toEqual([0, 0, 0]);
    const strict = new Preprocessor({ steps: [{ column: 'c', kind: 'onehot', handleUnknown: 'error' }] }).fit(train);
    expect(() => strict.transform(test)).toThrow(
      new PreprocessorError(`column 'c' at row 0: category "zzz" was not seen in training (handleUnknown 'error'); use 'ignore' to encode it as all zeros`),
    );
    const infrequent = new Preprocessor({ steps: [{ column: 'c', kind: 'onehot', handleUnknown: 'infrequent_if_exist', minFrequency: 2 }] }).fit(train);
    expect(infrequent.outputNames).toEqual(['c_b', 'c_infrequent_sklearn']);
    expect(infrequent.describe()[1]!.infrequentCategories).toEqual(['a', 'c']);
    expect(Array.from(infrequent.transformRecord({ c: 'zzz' }))).toEqual([0, 1]);
    expect(Array.from(infrequent.transformRecord({ c: 'a' }))).toEqual([0, 1]);
  });

  it('ordinal: sorted codes, unknown -> NaN or -1, missing -> NaN; survives JSON', () => {
    const p = new Preprocessor({ steps: [{ column: 'c', kind: 'ordinal' }] }).fit(train);
    expect([...p.transformRecord({ c: 'c' }), ...p.transformRecord({ c: 'new' }), ...p.transformRecord({ c: null })]).toEqual([2, NaN, NaN]);
    const q = new Preprocessor({ steps: [{ column: 'c', kind: 'ordinal', unknownValue: -1 }] }).fit(train);
    expect(q.transformRecord({ c: 'new' })[0]).toBe(-1);
    const back = Preprocessor.fromJSON(JSON.parse(JSON.stringify(p.toJSON())));
    expect(back.transformRecord({ c: 'new' })[0]).toBeNaN();
  });

  it('errors: not fitted, all-missing column, numeric step on a categorical column, empty training set', () => {
    const spec: PreprocessorSpec = { steps: [{ column: 'x', kind: 'numeric' }] };
    expect(() => new Preprocessor(spec).transform(train)).toThrow('this Preprocessor is not fitted yet: call fit(trainDataset) first');
    const empty = Dataset.fromRecords([{ x: null }], [schema[0]]);
    expect(() => new Preprocessor(spec).fit(empty)).toThrow("column 'x' has no non-missing value in the training data; use impute: { constant: ... }");
    expect(() => new Preprocessor({ steps: [{ column: 'c', kind: 'numeric' }] }).fit(train)).toThrow("column 'c' is categorical, not numeric; use categorical('c')");
    expect(() => new Preprocessor(spec).fit(train.take([]))).toThrow('fit: the training dataset has no rows');
    expect(new Preprocessor(spec).fit(train).transform(train.take([])).rows).toBe(0);
  });

  describe('on Telco, fitted on the training split', () => {
    const y = telco.labels('churn', 'Yes');
    const split = stratifiedSplit(y, { testSize: 0.2, validationSize: 0.25, seed: 42 });
    const numeric = ['tenure', 'monthly_charges', 'total_charges'];
    const categorical = ['contract', 'payment_method', 'internet_service', 'gender', 'senior_citizen'];
    const p = new Preprocessor({
      steps: [
        ...numeric.map((column) => ({ column, kind: 'numeric' as const, impute: 'median' as const, scale: true })),
        ...categorical.map((column) => ({ column, kind: 'onehot' as const })),
      ],
    }).fit(telco.take(split.train));

    it('names outputs like get_feature_names_out', () => {
      expect(p.outputNames).toContain('contract_Month-to-month');
      expect(p.outputNames).toContain('senior_citizen_1');
      expect(p.outputNames.filter((n) => n.startsWith('contract_'))).toEqual(['contract_Month-to-month', 'contract_One year', 'contract_Two year']);
    });

    it('transform and transformRecord agree exactly on every row (total_charges blanks imputed)', () => {
      const m = p.transform(telco);
      let mismatches = 0;
      for (let r = 0; r < telco.rowCount; r++) {
        const row = p.transformRecord(telco.record(r));
        for (let c = 0; c < m.cols; c++) if (!Object.is(row[c], m.data[c * m.rows + r])) mismatches++;
      }
      expect(mismatches).toBe(0);
      const tc = p.outputNames.indexOf('total_charges');
      for (let r = 0; r < m.rows; r++) expect(Number.isNaN(m.data[tc * m.rows + r]!)).toBe(false);
    });
  });
});

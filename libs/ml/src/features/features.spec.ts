import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCsv } from '../data/csv.js';
import { Dataset } from '../data/dataset.js';
import { stratifiedSplit } from '../split/stratified.js';
import { FeatureError, FittedFeatures, TELCO_FEATURES, binIndex, fitFeatures } from './features.js';

const here = dirname(fileURLToPath(import.meta.url));
const telco = parseCsv(readFileSync(join(here, '../../../../data/raw/customer_data.csv'))).dataset;

describe('seed features on the Telco data', () => {
  const y = telco.labels('churn', 'Yes');
  const split = stratifiedSplit(y, { testSize: 0.2, validationSize: 0.25, seed: 42 });
  const train = telco.take(split.train);
  const fitted = fitFeatures(TELCO_FEATURES, train);

  it('fits the median of monthly_charges on the training split only', () => {
    const v = Array.from(train.numeric('monthly_charges')).sort((a, b) => a - b);
    const n = v.length;
    const med = n % 2 ? v[(n - 1) / 2]! : (v[n / 2 - 1]! + v[n / 2]!) / 2;
    expect(fitted.statistics['is_high_risk.1']).toBe(med);
    // Over all rows: pandas' read_csv(...).monthly_charges.median() on the bundled file is 70.35.
    expect(fitFeatures(TELCO_FEATURES, telco).statistics['is_high_risk.1']).toBe(70.35);
  });

  it('apply (offline) and applyRecord (online) give identical values on every row', () => {
    const out = fitted.apply(telco);
    expect(out.rowCount).toBe(7043);
    let mismatches = 0;
    for (let i = 0; i < telco.rowCount; i++) {
      const rec = telco.record(i);
      // Online records often arrive as strings: both forms must agree.
      const asStrings = Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, v === null ? null : String(v)]));
      for (const r of [fitted.applyRecord(rec), fitted.applyRecord(asStrings)]) {
        for (const name of fitted.names) if (!Object.is(r[name], out.value(name, i))) mismatches++;
      }
    }
    expect(mismatches).toBe(0);
  });

  it('follows pandas.cut for tenure_category: tenure 0 is missing (11 rows), right-closed bins', () => {
    const out = fitted.apply(telco);
    const tenure = telco.numeric('tenure');
    const cat = out.categorical('tenure_category');
    expect(cat.categories).toEqual(['New', 'Medium', 'Long', 'Very_Long']);
    let missing = 0;
    for (let i = 0; i < telco.rowCount; i++) {
      if (cat.codes[i] === -1) {
        missing++;
        expect(tenure[i]).toBe(0);
      }
    }
    expect(missing).toBe(11);
    const rec = (t: number | null) => fitted.applyRecord({ tenure: t, monthly_charges: 50, contract: 'One year' })['tenure_category'];
    expect([rec(0), rec(1), rec(12), rec(12.5), rec(24), rec(48), rec(49), rec(null), rec(-3)]).toEqual([
      null,
      'New',
      'New',
      'Medium',
      'Medium',
      'Long',
      'Very_Long',
      null,
      null,
    ]);
  });

  it('computes total_amount, avg_monthly_charges and is_high_risk per the seed formulas', () => {
    const r = fitted.applyRecord({ tenure: 3, monthly_charges: 90.5, contract: 'Month-to-month' });
    expect(r['total_amount']).toBe(3 * 90.5);
    expect(r['avg_monthly_charges']).toBe(90.5 / 4);
    expect(r['is_high_risk']).toBe(90.5 > fitted.statistics['is_high_risk.1']! ? 1 : 0);
    expect(fitted.applyRecord({ tenure: 3, monthly_charges: 200, contract: 'Two year' })['is_high_risk']).toBe(0);
    // Missing values: NaN arithmetic -> null, a missing comparison is false.
    const m = fitted.applyRecord({ tenure: null, monthly_charges: null, contract: null });
    expect([m['total_amount'], m['avg_monthly_charges'], m['is_high_risk']]).toEqual([null, null, 0]);
  });

  it('round-trips through JSON', () => {
    const back = FittedFeatures.fromJSON(JSON.parse(JSON.stringify(fitted.toJSON())));
    const rec = telco.record(17);
    expect(back.applyRecord(rec)).toEqual(fitted.applyRecord(rec));
  });
});

describe('binIndex', () => {
  const e = Float64Array.from([0, 1, 2]);
  it('include_lowest and right=false like pandas.cut', () => {
    expect(binIndex(0, e, true, false)).toBe(-1);
    expect(binIndex(0, e, true, true)).toBe(0);
    expect(binIndex(1, e, false, false)).toBe(1);
    expect(binIndex(2, e, false, false)).toBe(-1);
    expect(binIndex(2, e, false, true)).toBe(1);
    expect(binIndex(NaN, e, true, true)).toBe(-1);
  });
});

describe('feature spec errors', () => {
  const ds = Dataset.fromRecords([{ a: 1, b: 'x' }], [
    { name: 'a', role: 'numeric', type: 'numeric' },
    { name: 'b', role: 'categorical', type: 'categorical' },
  ]);
  it('rejects bad specs with the feature name', () => {
    expect(() => fitFeatures({ features: [{ name: 'f', kind: 'bins', source: 'a', edges: [0, 2, 1], labels: ['x', 'y'] }] }, ds)).toThrow(
      new FeatureError("feature 'f': bin edges must increase, got [0,2,1]"),
    );
    expect(() => fitFeatures({ features: [{ name: 'f', kind: 'bins', source: 'a', edges: [0, 1, 2], labels: ['x'] }] }, ds)).toThrow(
      "feature 'f': 2 bins need 2 labels, got 1",
    );
    expect(() => fitFeatures({ features: [{ name: 'f', kind: 'flag', all: [{ column: 'a', op: 'gt' }] }] }, ds)).toThrow(
      "feature 'f' condition 0: give exactly one of value or statistic",
    );
    expect(() => fitFeatures({ features: [{ name: 'f', kind: 'product', sources: ['a', 'a'] }, { name: 'f', kind: 'product', sources: ['a', 'a'] }] }, ds)).toThrow(
      "feature name 'f' is used twice",
    );
  });
  it('a statistic over an all-missing column is an error; an unknown column names the known ones', () => {
    const empty = Dataset.fromRecords([{ a: null }], [{ name: 'a', role: 'numeric', type: 'numeric' }]);
    expect(() => fitFeatures({ features: [{ name: 'f', kind: 'flag', all: [{ column: 'a', op: 'gt', statistic: 'median' }] }] }, empty)).toThrow(
      "feature 'f': column 'a' has no non-missing training value for the median",
    );
    const f = fitFeatures({ features: [{ name: 'p', kind: 'product', sources: ['a', 'zz'] }] }, ds);
    expect(() => f.apply(ds)).toThrow("unknown column 'zz'; the dataset has: a, b");
  });
  it('empty dataset gives empty feature columns', () => {
    const none = new Dataset([], 0);
    const f = fitFeatures({ features: [] }, none);
    expect(f.apply(none).rowCount).toBe(0);
  });
});

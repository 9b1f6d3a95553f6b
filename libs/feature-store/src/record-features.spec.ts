import { resolve } from 'node:path';
import { TELCO_FEATURES, fitFeatures, readCsvFile, type FeatureSpec } from '@mlops/ml';
import { recordFeatures } from './record-features.js';

describe('recordFeatures (what ingestion materializes before any model exists)', () => {
  it('keeps the Telco features that are functions of the record and leaves is_high_risk (training median) to the model', () => {
    const { fitted, excluded } = recordFeatures(TELCO_FEATURES);
    expect(fitted.names).toEqual(['tenure_category', 'total_amount', 'avg_monthly_charges']);
    expect(excluded).toEqual(['is_high_risk']);
    expect(fitted.statistics).toEqual({});
  });

  it('computes bitwise what the training fit computes for them, on every Telco row', async () => {
    const ds = (await readCsvFile(resolve(process.cwd(), 'data/raw/customer_data.csv'), { schema: { customer_id: 'id', churn: 'target', senior_citizen: 'numeric' } })).dataset;
    const trained = fitFeatures(TELCO_FEATURES, ds.take(Int32Array.from({ length: 3000 }, (_, i) => i)));
    const { fitted } = recordFeatures(TELCO_FEATURES);
    const differences: string[] = [];
    for (let r = 0; r < ds.rowCount; r++) {
      const record = ds.record(r);
      const want = trained.applyRecord(record);
      const got = fitted.applyRecord(record);
      for (const name of fitted.names) if (!Object.is(got[name], want[name])) differences.push(`${r}:${name}`);
      expect(got['is_high_risk']).toBeUndefined();
    }
    expect(differences).toEqual([]);
  });

  it('also drops the features that read an excluded one, and keeps flags on literals', () => {
    const spec: FeatureSpec = {
      features: [
        { name: 'expensive', kind: 'flag', all: [{ column: 'monthly_charges', op: 'gt', statistic: 'mean' }] },
        { name: 'expensive_bin', kind: 'bins', source: 'expensive', edges: [-1, 0.5, 2], labels: ['no', 'yes'] },
        { name: 'monthly', kind: 'flag', all: [{ column: 'contract', op: 'eq', value: 'Month-to-month' }] },
        { name: 'monthly_tenure', kind: 'product', sources: ['monthly', 'tenure'] },
      ],
    };
    const { fitted, excluded } = recordFeatures(spec);
    expect(excluded).toEqual(['expensive', 'expensive_bin']);
    expect(fitted.names).toEqual(['monthly', 'monthly_tenure']);
    expect(fitted.applyRecord({ contract: 'Month-to-month', tenure: 7 })).toMatchObject({ monthly: 1, monthly_tenure: 7 });
  });
});

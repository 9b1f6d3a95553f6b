// Integration (real Redis): no training/serving skew on the Telco test split. Offline, training
// computes pre.transform(features.apply(test)); online, the test customers are materialized into
// Redis (raw columns + derived features from features.applyRecord), read back by customer_id and
// transformed with pre.transformRecord. The two feature vectors must be bitwise equal.
import { resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { type Dataset, type FittedFeatures, Preprocessor, type StepSpec, TELCO_FEATURES, fitFeatures, readCsvFile, stratifiedSplit } from '@mlops/ml';
import { FeatureStore, customerFeatureViewFromDataset, getServingRecord, getServingRecords, materializeCustomers } from '@mlops/feature-store';
import { config, connectRedis, deleteKeys, uniquePrefix } from './redis-test-helpers.js';

const CSV = resolve(process.cwd(), config.data.raw_path);
const VIEW = config.features.online_store.feature_view;

/** Rows where the online vector differs from the offline one in any bit (NaN payloads included). */
function bitwiseMismatches(offline: Float64Array, cols: number, n: number, online: readonly Float64Array[]): number[] {
  const bad: number[] = [];
  const want = new Float64Array(cols);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < cols; c++) want[c] = offline[c * n + i]!;
    const got = online[i]!;
    if (got.length !== cols || Buffer.compare(Buffer.from(want.buffer), Buffer.from(got.buffer, got.byteOffset, got.byteLength)) !== 0) bad.push(i);
  }
  return bad;
}

describe('no training/serving skew on the Telco test split (Redis feature store)', () => {
  let redis: Redis;
  let prefix: string;
  let store: FeatureStore;
  let test: Dataset;
  let features: FittedFeatures;
  let pre: Preprocessor;
  let offline: Float64Array;
  let cols: number;
  let ids: string[];

  beforeAll(async () => {
    redis = await connectRedis();
    prefix = uniquePrefix();
    const ds = (await readCsvFile(CSV, { schema: { customer_id: 'id', churn: 'target', senior_citizen: 'numeric' } })).dataset;
    const split = config.training.split;
    const idx = stratifiedSplit(ds.labels(config.data.target.column, config.data.target.positive_label), {
      testSize: split.test_size,
      validationSize: split.validation_size,
      seed: split.random_state,
    });
    const train = ds.take(idx.train);
    test = ds.take(idx.test);
    // Training: fit the features and the preprocessing on the training split only.
    features = fitFeatures(TELCO_FEATURES, train);
    const derived = features.apply(train);
    const steps: StepSpec[] = [];
    for (const c of derived.schema) {
      if (c.role === 'numeric') steps.push({ column: c.name, kind: 'numeric', impute: 'median', scale: true });
      else if (c.name === 'contract') steps.push({ column: c.name, kind: 'ordinal' });
      else if (c.name === 'payment_method') steps.push({ column: c.name, kind: 'onehot', handleUnknown: 'infrequent_if_exist', minFrequency: 1000 });
      else if (c.role === 'categorical') steps.push({ column: c.name, kind: 'onehot' });
    }
    pre = new Preprocessor({ steps }).fit(derived);
    const m = pre.transform(features.apply(test));
    offline = m.data;
    cols = m.cols;
    const idCol = test.categorical(config.data.id_column);
    ids = Array.from(idCol.codes, (c) => idCol.categories[c]!);

    store = FeatureStore.fromConfig(redis, { ...config.features.online_store, key_prefix: prefix }, [customerFeatureViewFromDataset(VIEW, ds, features)]);
  }, 60_000);

  afterAll(async () => {
    if (redis === undefined) return;
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('the test split is the Telco 20% with tenure-0 rows (missing tenure_category) and the view holds raw + derived columns', () => {
    expect(test.rowCount).toBe(1409);
    expect(new Set(ids).size).toBe(test.rowCount);
    const view = store.getView();
    expect(view.name).toBe(VIEW);
    expect(view.features.map((f) => f.name)).toEqual(expect.arrayContaining(['tenure', 'contract', 'tenure_category', 'total_amount', 'avg_monthly_charges', 'is_high_risk']));
    expect(view.features.map((f) => f.name)).not.toContain('churn');
    expect(view.features.map((f) => f.name)).not.toContain('customer_id');
    expect(Array.from(test.numeric('tenure')).filter((t) => t === 0).length).toBeGreaterThan(0);
  });

  it('materialize, read back by customer_id, transformRecord: every test row equals the offline row bitwise', async () => {
    const summary = await materializeCustomers(store, test, features, { eventTime: Date.UTC(2024, 0, 1) });
    expect(summary).toMatchObject({ rows: test.rowCount, applied: test.rowCount, stale: 0 });
    expect(await redis.ttl(store.keyOf(ids[0]!))).toBeGreaterThan(config.features.online_store.ttl_seconds - 60);

    // One customer at a time, as the serving path does.
    const online: Float64Array[] = [];
    for (const id of ids) {
      const record = await getServingRecord(store, id);
      expect(record).not.toBeNull();
      online.push(pre.transformRecord(record!));
    }
    expect(bitwiseMismatches(offline, cols, test.rowCount, online)).toEqual([]);

    // The batch read gives the same vectors.
    const batch = await getServingRecords(store, ids);
    expect(bitwiseMismatches(offline, cols, test.rowCount, batch.map((r) => pre.transformRecord(r!)))).toEqual([]);

    // Recomputing the derived features from the stored raw columns (the serving model's own fit) agrees too.
    const recomputed = await getServingRecords(store, ids, { recompute: features });
    expect(bitwiseMismatches(offline, cols, test.rowCount, recomputed.map((r) => pre.transformRecord(r!)))).toEqual([]);
  }, 60_000);

  it('raw ingestion records (numbers as text, as a CSV or JSON body gives them) materialize to the same vectors', async () => {
    const records = Array.from({ length: test.rowCount }, (_, r) => {
      const rec = test.record(r);
      return Object.fromEntries(Object.entries(rec).map(([k, v]) => [k, typeof v === 'number' ? String(v) : v]));
    });
    const storeText = FeatureStore.fromConfig(redis, { ...config.features.online_store, key_prefix: `${prefix}text:` }, store.featureViews);
    const summary = await materializeCustomers(storeText, records, features, { eventTime: Date.UTC(2024, 0, 1) });
    expect(summary.applied).toBe(test.rowCount);
    const online = (await getServingRecords(storeText, ids)).map((r) => pre.transformRecord(r!));
    expect(bitwiseMismatches(offline, cols, test.rowCount, online)).toEqual([]);
  }, 60_000);

  it('a customer that was never materialized reads as null, not as a vector of imputed defaults', async () => {
    expect(await getServingRecord(store, 'not-a-customer')).toBeNull();
    expect(await getServingRecords(store, [ids[0]!, 'not-a-customer'])).toEqual([expect.any(Object), null]);
  });
});

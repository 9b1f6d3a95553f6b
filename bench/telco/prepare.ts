/**
 * bench:telco step 1: reads data/raw/customer_data.csv, makes the seeded stratified 60/20/20
 * split (config `training.split`), exports its indices, fits the seed's feature engineering and
 * the preprocessing on the TRAINING rows only, and writes the preprocessed matrices of all rows
 * for both sides (see common.ts for the layout).
 *
 * Usage: node dist/prepare.js --out DIR [--csv data/raw/customer_data.csv] [--repeats 3] [--seeds 5]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '@mlops/config';
import {
  Preprocessor,
  TELCO_FEATURES,
  exportSplit,
  fitFeatures,
  readCsvFile,
  stratifiedSplit,
  type Matrix,
  type StepSpec,
} from '@mlops/ml';
import { arg, writeF64, type Meta, type Variant } from './common.js';

/** Columns whose training rows hold at most `maxDistinct` distinct non-missing values. */
function exactBinColumns(x: Matrix, rows: ArrayLike<number>, maxDistinct: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < x.cols; c++) {
    const seen = new Set<number>();
    for (let k = 0; k < rows.length && seen.size <= maxDistinct; k++) {
      const v = x.data[c * x.rows + rows[k]!]!;
      if (!Number.isNaN(v)) seen.add(v);
    }
    if (seen.size <= maxDistinct) out.push(c);
  }
  return out;
}

async function main(): Promise<void> {
  const out = arg('--out');
  const config = loadConfig();
  const csv = arg('--csv', config.data.raw_path);
  const repeats = Number(arg('--repeats', '3'));
  const seeds = Number(arg('--seeds', '5'));
  if (!Number.isInteger(repeats) || repeats < 1)
    throw new Error(`--repeats must be an integer >= 1, got ${repeats}`);
  if (!Number.isInteger(seeds) || seeds < 1)
    throw new Error(`--seeds must be an integer >= 1 (1 = only the seed's random_state), got ${seeds}`);
  mkdirSync(out, { recursive: true });

  const target = config.data.target;
  const schema: Record<string, 'id' | 'target' | 'numeric' | 'categorical'> = {
    [config.data.id_column]: 'id',
    [target.column]: 'target',
  };
  for (const c of config.data.numeric_features) schema[c] = 'numeric';
  for (const c of config.data.categorical_features) schema[c] = 'categorical';
  const raw = (await readCsvFile(csv, { schema })).dataset;
  const y = raw.labels(target.column, target.positive_label);

  // The seed's prepare_data: test = test_size of all rows, validation = validation_size of all
  // rows taken from the rest (0.2 / 0.8 = 0.25 of the remainder).
  const s = config.training.split;
  const split = stratifiedSplit(y, {
    testSize: s.test_size,
    validationSize: s.validation_size / (1 - s.test_size),
    seed: s.random_state,
  });
  exportSplit(join(out, 'split.json'), split, {
    nRows: raw.rowCount,
    seed: s.random_state,
    testSize: s.test_size,
    validationSize: s.validation_size,
  });

  const features = fitFeatures(TELCO_FEATURES, raw.take(split.train));
  const ds = features.apply(raw);
  const train = ds.take(split.train);

  const numeric = [...config.data.numeric_features, 'total_amount', 'avg_monthly_charges', 'is_high_risk'];
  const categorical = [...config.data.categorical_features, 'tenure_category'];
  const steps = (scale: boolean): StepSpec[] => [
    ...numeric.map((column): StepSpec => ({ column, kind: 'numeric', impute: 'median', scale })),
    ...categorical.map((column): StepSpec => ({ column, kind: 'onehot', handleUnknown: 'ignore' })),
  ];
  const tree = new Preprocessor({ steps: steps(false) }).fit(train).transform(ds);
  const linear = new Preprocessor({ steps: steps(true) }).fit(train).transform(ds);
  writeF64(join(out, 'x_tree.f64'), tree.data);
  writeF64(join(out, 'x_linear.f64'), linear.data);
  writeFileSync(join(out, 'y.u8'), y);

  const models = config.training.models;
  const variants: Variant[] = [];
  for (const model of ['xgboost', 'lightgbm', 'random_forest'] as const) {
    for (let k = 1; k < seeds; k++) {
      const randomState = models[model].random_state + k;
      variants.push({
        id: `${model}_seed${randomState}`,
        kind: 'seed',
        model,
        overrides: { random_state: randomState },
        columns: null,
      });
    }
  }
  const exact = exactBinColumns(tree, split.train, 255);
  variants.push(
    {
      id: 'xgboost_exact',
      kind: 'exact_bins_no_sampling',
      model: 'xgboost',
      overrides: { subsample: 1, colsample_bytree: 1 },
      columns: exact,
    },
    {
      id: 'lightgbm_exact',
      kind: 'exact_bins_no_sampling',
      model: 'lightgbm',
      overrides: { feature_fraction: 1, bagging_fraction: 1, bagging_freq: 0 },
      columns: exact,
    },
  );

  const meta: Meta = {
    formatVersion: 1,
    rows: ds.rowCount,
    treeColumns: tree.columnNames,
    linearColumns: linear.columnNames,
    models,
    split: {
      train: split.train.length,
      validation: split.validation.length,
      test: split.test.length,
      seed: s.random_state,
    },
    repeats,
    variants,
  };
  writeFileSync(join(out, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  process.stderr.write(
    `bench:telco prepared ${ds.rowCount} rows (${split.train.length}/${split.validation.length}/${split.test.length}), ` +
      `${tree.cols} columns, in ${out}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(
    `bench:telco prepare failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});

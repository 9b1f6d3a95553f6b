/**
 * bench:tuning step 1: reads data/raw/customer_data.csv, makes the seeded stratified 60/20/20
 * split of the config (`training.split`), exports its indices, fits the seed's feature
 * engineering and the tree preprocessing (median impute, one-hot) on the TRAINING rows only and
 * writes the preprocessed matrix of all rows, so that Python tunes on the identical numbers.
 *
 * Data directory: split.json (exportSplit), x.f64 (column-major float64, all rows), y.u8,
 * meta.json { rows, columns, searchSpace (config xgboost space), split sizes }.
 *
 * Usage: node bench/tuning/dist/prepare.js --out DIR
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
  type StepSpec,
} from '@mlops/ml';
import { arg } from './io.js';

async function main(): Promise<void> {
  const out = arg('--out');
  const config = loadConfig();
  const csv = arg('--csv', config.data.raw_path);
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
  const numeric = [...config.data.numeric_features, 'total_amount', 'avg_monthly_charges', 'is_high_risk'];
  const categorical = [...config.data.categorical_features, 'tenure_category'];
  const steps: StepSpec[] = [
    ...numeric.map((column): StepSpec => ({ column, kind: 'numeric', impute: 'median', scale: false })),
    ...categorical.map((column): StepSpec => ({ column, kind: 'onehot', handleUnknown: 'ignore' })),
  ];
  const x = new Preprocessor({ steps }).fit(ds.take(split.train)).transform(ds);
  writeFileSync(join(out, 'x.f64'), new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
  writeFileSync(join(out, 'y.u8'), y);
  const meta = {
    rows: x.rows,
    columns: x.columnNames,
    searchSpace: config.training.hyperparameter_tuning.search_spaces.xgboost,
    split: {
      train: split.train.length,
      validation: split.validation.length,
      test: split.test.length,
      seed: s.random_state,
    },
  };
  writeFileSync(join(out, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  process.stderr.write(
    `bench:tuning prepared ${x.rows} rows (${split.train.length}/${split.validation.length}/${split.test.length}), ${x.cols} columns in ${out}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(
    `bench:tuning prepare failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});

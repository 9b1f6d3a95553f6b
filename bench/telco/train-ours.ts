/**
 * bench:telco step 2: fits our four learners with the seed's parameters on the training split
 * (`repeats` fits each, one thread), writes the test-split probabilities and the fit times; then
 * one untimed fit per variant listed in meta.json.
 *
 * Usage: node dist/train-ours.js --data DIR
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  GradientBoostingClassifier,
  LogisticRegression,
  RandomForestClassifier,
  takeLabels,
  takeRows,
  type Classifier,
  type Matrix,
} from '@mlops/ml';
import {
  MATRIX_OF,
  MODELS,
  arg,
  lightgbmParams,
  logisticParams,
  randomForestParams,
  readF64,
  readJson,
  selectColumns,
  variantParams,
  writeF64,
  xgboostParams,
  type Meta,
  type ModelName,
} from './common.js';

interface Split {
  train: number[];
  validation: number[];
  test: number[];
}

function make(
  model: ModelName,
  meta: Meta,
  overrides: Readonly<Record<string, number>> = {},
): Classifier<object> {
  switch (model) {
    case 'xgboost':
      return new GradientBoostingClassifier(xgboostParams(variantParams(meta.models, model, overrides)));
    case 'lightgbm':
      return new GradientBoostingClassifier(lightgbmParams(variantParams(meta.models, model, overrides)));
    case 'random_forest':
      return new RandomForestClassifier(randomForestParams(variantParams(meta.models, model, overrides)));
    case 'logistic_regression':
      return new LogisticRegression(logisticParams(variantParams(meta.models, model, overrides)));
  }
}

function main(): void {
  const dir = arg('--data');
  const meta = readJson<Meta>(join(dir, 'meta.json'));
  const split = readJson<Split>(join(dir, 'split.json'));
  const y = new Uint8Array(readFileSync(join(dir, 'y.u8')));
  const matrices: Record<'tree' | 'linear', Matrix> = {
    tree: {
      rows: meta.rows,
      cols: meta.treeColumns.length,
      data: readF64(join(dir, 'x_tree.f64')),
      columnNames: meta.treeColumns,
    },
    linear: {
      rows: meta.rows,
      cols: meta.linearColumns.length,
      data: readF64(join(dir, 'x_linear.f64')),
      columnNames: meta.linearColumns,
    },
  };
  const yTrain = takeLabels(y, split.train);
  const fits: Record<string, { fit_seconds: number[] }> = {};
  for (const model of MODELS) {
    const x = matrices[MATRIX_OF[model]];
    const xTrain = takeRows(x, split.train);
    const xTest = takeRows(x, split.test);
    const seconds: number[] = [];
    let proba: Float64Array | null = null;
    for (let r = 0; r < meta.repeats; r++) {
      const clf = make(model, meta);
      const t0 = process.hrtime.bigint();
      clf.fit(xTrain, yTrain);
      seconds.push(Number(process.hrtime.bigint() - t0) / 1e9);
      proba = clf.predictProba(xTest);
    }
    writeF64(join(dir, `proba_ours_${model}.f64`), proba!);
    fits[model] = { fit_seconds: seconds };
    process.stderr.write(
      `bench:telco ours ${model}: fits ${seconds.map((s) => s.toFixed(3)).join(', ')} s\n`,
    );
  }
  writeFileSync(join(dir, 'fits_ours.json'), JSON.stringify(fits) + '\n');
  for (const v of meta.variants) {
    const x = selectColumns(matrices[MATRIX_OF[v.model]], v.columns);
    const proba = make(v.model, meta, v.overrides)
      .fit(takeRows(x, split.train), yTrain)
      .predictProba(takeRows(x, split.test));
    writeF64(join(dir, `proba_ours_${v.id}.f64`), proba);
  }
  process.stderr.write(`bench:telco ours: ${meta.variants.length} variant fits done\n`);
}

main();

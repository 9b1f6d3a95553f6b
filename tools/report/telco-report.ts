/**
 * report:telco — trains the Telco churn model the way the seed does and writes its charts and
 * model report (see tools/report/README.md):
 *
 *   data/raw/customer_data.csv -> stratified 60/20/20 split (config training.split)
 *   -> seed feature engineering + preprocessing fitted on the training rows
 *   -> gradient boosting with the seed's xgboost parameters (per-round train/validation loss)
 *   -> decision threshold on the validation split (config training.decision_threshold)
 *   -> metrics on validation and test, gates (training.thresholds, model_validation)
 *   -> 5-fold stratified CV on the training split, a short TPE study on validation ROC-AUC
 *   -> TreeSHAP on the test split -> <out>/*.png, report.json, report.html
 *
 * Usage: node tools/report/dist/telco-report.js [--out reports/telco] [--trials 20] [--csv PATH]
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '@mlops/config';
import {
  GradientBoostingClassifier,
  MedianPruner,
  Preprocessor,
  Study,
  TELCO_FEATURES,
  TpeSampler,
  TrialPruned,
  confusionMatrix,
  crossValidate,
  fitFeatures,
  gbdtParamsFromSearch,
  meanAbsShap,
  precisionRecallCurve,
  predictAt,
  readCsvFile,
  rocAucScore,
  rocCurve,
  searchSpaceFromConfig,
  shapValues,
  stratifiedSplit,
  takeLabels,
  takeRows,
  type GradientBoostingParams,
  type Labels,
  type Matrix,
  type RoundInfo,
  type StepSpec,
} from '@mlops/ml';
import { crossValidationReport, decideThreshold, learnerParams, splitMetrics } from '@mlops/training';
import {
  evaluateGates,
  renderCalibrationChart,
  renderConfusionMatrixChart,
  renderFeatureImportanceChart,
  renderLossCurveChart,
  renderPrecisionRecallChart,
  renderReportHtml,
  renderRocChart,
  renderShapSummaryChart,
  renderTuningHistoryChart,
  type ModelReport,
  type ReportChart,
  type ThresholdReport,
  type TrialReport,
  type TuningReport,
} from '@mlops/reporting';

interface Args {
  readonly out: string;
  readonly trials: number;
  readonly csv: string | undefined;
  readonly cvFolds: number | undefined;
}

function parseArgs(argv: readonly string[]): Args {
  let out = 'reports/telco';
  let trials = 20;
  let csv: string | undefined;
  let cvFolds: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value (see tools/report/README.md)`);
      return v;
    };
    if (a === '--out') out = value();
    else if (a === '--trials') trials = Number(value());
    else if (a === '--csv') csv = value();
    else if (a === '--cv-folds') cvFolds = Number(value());
    else if (a === '--help' || a === '-h') {
      process.stdout.write(
        'Usage: bash tools/report/run.sh [--out reports/telco] [--trials 20] [--csv PATH] [--cv-folds N]\n  --trials 0 skips tuning; --cv-folds 0 skips cross-validation.\n',
      );
      process.exit(0);
    } else throw new Error(`unknown option ${a}: use --out DIR, --trials N, --csv PATH, --cv-folds N`);
  }
  if (!Number.isInteger(trials) || trials < 0)
    throw new Error(`--trials must be an integer >= 0 (0 = no tuning), got ${trials}`);
  if (cvFolds !== undefined && !(Number.isInteger(cvFolds) && (cvFolds === 0 || cvFolds >= 2)))
    throw new Error(`--cv-folds must be 0 (skip) or an integer >= 2, got ${cvFolds}`);
  return { out, trials, csv, cvFolds };
}

/** Wall-clock seconds of each step, reported in the JSON. */
class Timer {
  readonly timings: Record<string, number> = {};
  private readonly start = performance.now();
  time<T>(step: string, f: () => T): T {
    const t0 = performance.now();
    const r = f();
    this.timings[step] = round((performance.now() - t0) / 1000, 3);
    log(`${step}: ${this.timings[step]} s`);
    return r;
  }
  async timeAsync<T>(step: string, f: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    const r = await f();
    this.timings[step] = round((performance.now() - t0) / 1000, 3);
    log(`${step}: ${this.timings[step]} s`);
    return r;
  }
  total(): number {
    return round((performance.now() - this.start) / 1000, 3);
  }
}

function log(msg: string): void {
  process.stderr.write(`report:telco ${msg}\n`);
}

function round(x: number, digits: number): number {
  const p = 10 ** digits;
  return Math.round(x * p) / p;
}

function rate(y: Labels): number {
  let s = 0;
  for (const v of y) s += v;
  return y.length ? s / y.length : NaN;
}

function positives(y: Labels): number {
  let s = 0;
  for (const v of y) s += v;
  return s;
}

/** Row-major copy of a column-major matrix (the layout of SHAP values). */
function rowMajor(x: Matrix): Float64Array {
  const out = new Float64Array(x.rows * x.cols);
  for (let c = 0; c < x.cols; c++)
    for (let r = 0; r < x.rows; r++) out[r * x.cols + c] = x.data[c * x.rows + r]!;
  return out;
}

function gitVersion(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const timer = new Timer();
  const config = loadConfig();
  const training = config.training;
  const out = resolve(args.out);
  mkdirSync(out, { recursive: true });

  // ---- data, split, features -------------------------------------------------------------
  const csv = args.csv ?? config.data.raw_path;
  const target = config.data.target;
  const schema: Record<string, 'id' | 'target' | 'numeric' | 'categorical'> = {
    [config.data.id_column]: 'id',
    [target.column]: 'target',
  };
  for (const c of config.data.numeric_features) schema[c] = 'numeric';
  for (const c of config.data.categorical_features) schema[c] = 'categorical';
  const raw = (await timer.timeAsync('read_csv', () => readCsvFile(csv, { schema }))).dataset;
  const y = raw.labels(target.column, target.positive_label);
  const s = training.split;
  const split = stratifiedSplit(y, {
    testSize: s.test_size,
    validationSize: s.validation_size / (1 - s.test_size),
    seed: s.random_state,
  });
  const x = timer.time('features', () => {
    const features = fitFeatures(TELCO_FEATURES, raw.take(split.train));
    const ds = features.apply(raw);
    const numeric = [...config.data.numeric_features, 'total_amount', 'avg_monthly_charges', 'is_high_risk'];
    const categorical = [...config.data.categorical_features, 'tenure_category'];
    const steps: StepSpec[] = [
      ...numeric.map((column): StepSpec => ({ column, kind: 'numeric', impute: 'median', scale: false })),
      ...categorical.map((column): StepSpec => ({ column, kind: 'onehot', handleUnknown: 'ignore' })),
    ];
    return new Preprocessor({ steps }).fit(ds.take(split.train)).transform(ds);
  });
  const part = (idx: Int32Array | Uint32Array | number[]) => ({ x: takeRows(x, idx), y: takeLabels(y, idx) });
  const train = part(split.train);
  const valid = part(split.validation);
  const test = part(split.test);
  log(
    `${raw.rowCount} rows, ${x.cols} model columns, split ${train.y.length}/${valid.y.length}/${test.y.length}`,
  );

  // ---- the model -------------------------------------------------------------------------
  const seeded = learnerParams('xgboost', training.models.xgboost, { nThreads: 2 });
  const params = seeded.params as GradientBoostingParams;
  const trainLoss: number[] = [];
  const validLoss: number[] = [];
  const model = timer.time('fit', () =>
    new GradientBoostingClassifier(params).fit(train.x, train.y, {
      validation: valid,
      onRound: (info: RoundInfo) => {
        trainLoss.push(info.trainLoss);
        validLoss.push(info.validLoss ?? NaN);
      },
    }),
  );
  let bestRound = 0;
  for (let i = 1; i < validLoss.length; i++) if (validLoss[i]! < validLoss[bestRound]!) bestRound = i;
  const pValid = model.predictProba(valid.x);
  const pTest = model.predictProba(test.x);

  // ---- threshold on validation, metrics, gates ------------------------------------------
  const threshold: ThresholdReport = decideThreshold(valid.y, pValid, training.decision_threshold);
  const mValid = splitMetrics(valid.y, pValid, threshold.value);
  const mTest = splitMetrics(test.y, pTest, threshold.value);
  const cm = confusionMatrix(test.y, predictAt(pTest, threshold.value));
  const gates = evaluateGates(
    mTest,
    training.thresholds as unknown as Record<string, number>,
    config.model_validation.blocking,
  );
  log(
    `threshold ${threshold.value.toFixed(4)} (${threshold.strategy}); test AUC ${mTest.rocAuc.toFixed(4)}, recall ${mTest.recall.toFixed(3)}, precision ${mTest.precision.toFixed(3)}`,
  );

  // ---- cross-validation on the training split ---------------------------------------------
  const folds = args.cvFolds ?? training.cross_validation.n_folds;
  let crossValidation: ModelReport['crossValidation'] = null;
  if (folds >= 2) {
    const cv = timer.time('cross_validation', () =>
      crossValidate(() => new GradientBoostingClassifier(params), train.x, train.y, {
        folds,
        seed: s.random_state,
        stratified: training.cross_validation.stratified,
        metrics: ['roc_auc', 'average_precision', 'accuracy', 'f1'],
      }),
    );
    crossValidation = crossValidationReport(cv, {
      folds,
      stratified: training.cross_validation.stratified,
      seed: s.random_state,
    });
    log(crossValidation.summary);
  }

  // ---- a short TPE study on validation ROC-AUC -------------------------------------------
  let tuning: TuningReport | null = null;
  if (args.trials > 0) {
    const space = searchSpaceFromConfig(
      training.hyperparameter_tuning.search_spaces.xgboost as Record<string, unknown>,
    );
    const fixed: GradientBoostingParams = { randomState: training.models.xgboost.random_state, nThreads: 2 };
    const t0 = performance.now();
    const study = await Study.create({
      direction: 'maximize',
      studyName: 'report-telco-xgboost',
      sampler: new TpeSampler({ seed: s.random_state }),
      pruner: new MedianPruner(),
    });
    await timer.timeAsync('tuning', () =>
      study.optimize(
        (trial) => {
          const sampled = trial.suggestAll(space);
          const m = new GradientBoostingClassifier(gbdtParamsFromSearch('xgboost', sampled, fixed));
          let pruned = false;
          m.fit(train.x, train.y, {
            validation: valid,
            onRound: (info) => {
              if (info.validAuc === undefined) return true;
              trial.report(info.validAuc, info.round);
              pruned = trial.shouldPrune();
              return !pruned;
            },
          });
          if (pruned) throw new TrialPruned();
          return rocAucScore(valid.y, m.predictProba(valid.x));
        },
        {
          nTrials: args.trials,
          onTrialFinished: (t) =>
            log(`trial ${t.number} ${t.state} ${t.value === null ? '' : t.value.toFixed(4)}`),
        },
      ),
    );
    const trials: TrialReport[] = study.trials.map((t) => ({
      number: t.number,
      state: t.state,
      value: t.value,
      params: t.params,
      seconds: t.completedAt === null ? null : round((t.completedAt - t.startedAt) / 1000, 3),
    }));
    let best: TuningReport['best'] = null;
    if (trials.some((t) => t.state === 'COMPLETE')) {
      const b = study.bestTrial;
      const refit = new GradientBoostingClassifier(gbdtParamsFromSearch('xgboost', b.params, fixed)).fit(
        train.x,
        train.y,
      );
      best = {
        number: b.number,
        value: b.value!,
        params: b.params,
        testRocAuc: rocAucScore(test.y, refit.predictProba(test.x)),
      };
    }
    tuning = {
      sampler: 'TPE (Optuna defaults, seed ' + s.random_state + ')',
      pruner: 'median pruner on per-round validation AUC',
      direction: 'maximize',
      metric: 'validation ROC-AUC',
      trials,
      best,
      seconds: round((performance.now() - t0) / 1000, 3),
    };
  }

  // ---- explanations ---------------------------------------------------------------------
  const gain = model.featureImportances('gain');
  const importance = Array.from(gain, (value, i) => ({ feature: x.columnNames[i]!, value })).sort(
    (a, b) => b.value - a.value,
  );
  const shap = timer.time('shap', () => shapValues(model.toEnsemble(), test.x));
  const meanAbs = meanAbsShap(shap.values, shap.rows, x.columnNames).map((c) => ({
    feature: c.feature,
    value: c.value,
  }));

  // ---- charts ---------------------------------------------------------------------------
  const roc = rocCurve(test.y, pTest);
  const pr = precisionRecallCurve(test.y, pTest);
  const sub = `test split, ${test.y.length.toLocaleString('en-US')} rows · threshold ${threshold.value.toFixed(3)} chosen on validation`;
  const charts: ReportChart[] = await timer.timeAsync('charts', async () => {
    const list: ReportChart[] = [];
    const add = async (id: string, title: string, png: Promise<Buffer>, wide = false): Promise<void> => {
      const bytes = await png;
      writeFileSync(join(out, `${id}.png`), bytes);
      list.push({ id, title, png: bytes, wide });
    };
    await add(
      'roc_curve',
      'ROC curve',
      renderRocChart(
        {
          fpr: roc.fpr,
          tpr: roc.tpr,
          auc: mTest.rocAuc,
          label: 'GBDT',
          operatingPoint: { x: cm.fp / (cm.fp + cm.tn), y: mTest.recall, threshold: threshold.value },
        },
        { subtitle: sub },
      ),
    );
    await add(
      'pr_curve',
      'Precision-recall curve',
      renderPrecisionRecallChart(
        {
          precision: pr.precision,
          recall: pr.recall,
          averagePrecision: mTest.averagePrecision,
          prevalence: rate(test.y),
          label: 'GBDT',
          operatingPoint: { x: mTest.recall, y: mTest.precision, threshold: threshold.value },
        },
        { subtitle: sub },
      ),
    );
    await add(
      'confusion_matrix',
      'Confusion matrix',
      renderConfusionMatrixChart(
        { matrix: cm.matrix },
        { subtitle: `threshold ${threshold.value.toFixed(3)} (${threshold.strategy}) · test split` },
      ),
    );
    await add(
      'calibration',
      'Calibration',
      renderCalibrationChart(
        { yTrue: test.y, yProb: pTest, label: 'GBDT' },
        { subtitle: '10 uniform bins · test split' },
      ),
    );
    await add(
      'feature_importance',
      'Feature importance',
      renderFeatureImportanceChart(
        { features: x.columnNames, importances: gain },
        { subtitle: `XGBoost 'gain' importance of the ${model.nTrees} trees`, width: 640 },
      ),
    );
    await add(
      'loss_curve',
      'Loss per round',
      renderLossCurveChart(
        { trainLoss, validLoss, bestRound },
        { subtitle: `${trainLoss.length} rounds · training and validation splits`, width: 640, height: 560 },
      ),
    );
    await add(
      'shap_summary',
      'SHAP summary',
      renderShapSummaryChart(
        { featureNames: x.columnNames, shapValues: shap.values, featureValues: rowMajor(test.x) },
        {
          subtitle: `TreeSHAP (path-dependent) · test split, ${test.y.length.toLocaleString('en-US')} rows`,
          width: 1160,
        },
      ),
      true,
    );
    if (tuning)
      await add(
        'tuning_history',
        'Tuning history',
        renderTuningHistoryChart(
          { trials: tuning.trials, direction: 'maximize' },
          {
            subtitle: `${tuning.trials.length} TPE trials on the xgboost search space (config)`,
            width: 1160,
            height: 440,
          },
        ),
        true,
      );
    return list;
  });

  // ---- report ---------------------------------------------------------------------------
  const version = gitVersion();
  const report: ModelReport = {
    schemaVersion: 1,
    model: {
      name: config.serving.model_name,
      version: `git-${version}`,
      algorithm: 'Gradient boosting (seed xgboost parameters, depth-wise)',
      createdAt: new Date().toISOString(),
      params: { ...model.getParams() },
      trees: model.nTrees,
      features: x.cols,
    },
    data: {
      source: csv,
      rows: raw.rowCount,
      positives: positives(y),
      churnRate: rate(y),
      split: {
        train: { rows: train.y.length, churnRate: rate(train.y) },
        validation: { rows: valid.y.length, churnRate: rate(valid.y) },
        test: { rows: test.y.length, churnRate: rate(test.y) },
      },
      splitSeed: s.random_state,
    },
    threshold,
    metrics: { validation: mValid, test: mTest },
    confusionMatrix: {
      split: 'test',
      threshold: threshold.value,
      tn: cm.tn,
      fp: cm.fp,
      fn: cm.fn,
      tp: cm.tp,
    },
    gates,
    gatesPassed: gates.every((g) => g.passed || g.kind !== 'blocking'),
    crossValidation,
    tuning,
    featureImportance: { type: 'gain', values: importance },
    shap: { split: 'test', rows: shap.rows, baseValue: shap.baseValue, meanAbs },
    lossCurve: { train: trainLoss, validation: validLoss, bestRound },
    timings: { ...timer.timings, total: timer.total() },
    charts: Object.fromEntries(charts.map((c) => [c.id, `${c.id}.png`])),
  };
  writeFileSync(join(out, 'report.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileSync(join(out, 'report.html'), renderReportHtml(report, charts));
  log(`wrote ${charts.length} charts, report.json and report.html to ${out} in ${report.timings['total']} s`);
  process.stdout.write(
    JSON.stringify({
      out,
      test_roc_auc: round(mTest.rocAuc, 4),
      threshold: round(threshold.value, 4),
      gates_passed: report.gatesPassed,
      cv: crossValidation?.summary ?? null,
      best_trial_value: tuning?.best ? round(tuning.best.value, 4) : null,
      seconds: report.timings['total'],
    }) + '\n',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`report:telco failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});

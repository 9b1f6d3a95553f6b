/**
 * bench:tuning, our side: a TPE study (Optuna's defaults, seeded) with the MedianPruner over the
 * config's xgboost search space, each trial fitting our GradientBoostingClassifier (depthwise =
 * XGBoost hist semantics) on the training split on a worker thread, reporting validation ROC-AUC
 * per round, early stopping after --early-stopping rounds without a validation logloss gain.
 * The best trial's parameters are refitted to score the test split. Prints one JSON line.
 *
 * Usage: node bench/tuning/dist/tune-ours.js --data DIR --seed 0 [--trials 50] [--workers 1] [--early-stopping 20]
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GradientBoostingClassifier,
  MedianPruner,
  Study,
  TpeSampler,
  WorkerObjective,
  gbdtParamsFromSearch,
  rocAucScore,
  searchSpaceFromConfig,
  shareLabels,
  shareMatrix,
  type GbdtObjectiveData,
} from '@mlops/ml';
import { arg, loadParts } from './io.js';

async function main(): Promise<void> {
  const dir = arg('--data');
  const seed = Number(arg('--seed', '0'));
  const nTrials = Number(arg('--trials', '50'));
  const nWorkers = Number(arg('--workers', '1'));
  const earlyStoppingRounds = Number(arg('--early-stopping', '20'));
  const parts = loadParts(dir);
  const space = searchSpaceFromConfig(parts.meta.searchSpace);
  const fixed = { randomState: seed, earlyStoppingRounds, nThreads: 1 };
  const data: GbdtObjectiveData = {
    train: { x: shareMatrix(parts.train.x), y: shareLabels(parts.train.y) },
    validation: { x: shareMatrix(parts.validation.x), y: shareLabels(parts.validation.y) },
    names: 'xgboost',
    fixed,
  };
  const mlDist = dirname(fileURLToPath(import.meta.resolve('@mlops/ml')));
  const objective = new WorkerObjective({
    moduleUrl: join(mlDist, 'tuning', 'gbdt-objective.js'),
    data,
    searchSpace: space,
  });

  const t0 = performance.now();
  const study = await Study.create({
    direction: 'maximize',
    sampler: new TpeSampler({ seed }),
    pruner: new MedianPruner(),
  });
  await study.optimize(objective, { nTrials, nWorkers });
  const seconds = (performance.now() - t0) / 1000;

  const best = study.bestTrial;
  const model = new GradientBoostingClassifier(gbdtParamsFromSearch('xgboost', best.params, fixed)).fit(
    parts.train.x,
    parts.train.y,
    { validation: parts.validation },
  );
  const testAuc = rocAucScore(parts.test.y, model.predictProba(parts.test.x));
  const trials = study.trials;
  process.stdout.write(
    JSON.stringify({
      bench: 'tuning',
      impl: 'ours',
      seed,
      best_valid_auc: best.value,
      test_auc_of_best: testAuc,
      seconds,
      trials: trials.length,
      pruned: trials.filter((t) => t.state === 'PRUNED').length,
      failed: trials.filter((t) => t.state === 'FAIL').length,
      workers: nWorkers,
      best_params: best.params,
    }) + '\n',
  );
}

main().catch((e: unknown) => {
  process.stderr.write(
    `bench:tuning ours failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
  );
  process.exit(1);
});

#!/usr/bin/env node
/**
 * mlops — the platform's command-line tool (see tools/cli/README.md):
 *   mlops train --data-path data/raw/customer_data.csv --config-path config/config.yaml
 *               [--register-best] [--promote-to-staging] [--sample-ratio 0.1] [--output-dir .local/runs]
 *   mlops validate-model --model-name churn-predictor --min-accuracy 0.75
 *               --output-file validation_results.json [--model-path <onnx> | --version N]
 */
import { Command, InvalidArgumentError } from 'commander';
import { TrainingError } from '@mlops/training';
import { CliError, parseNonNegativeInt, parseRatio } from './common.js';
import { trainCommand } from './train.command.js';
import { validateModelCommand } from './validate-model.command.js';

/** Commander parsers raise its InvalidArgumentError so the message names the option. */
function arg<T>(parse: (v: string) => T): (v: string) => T {
  return (v) => {
    try {
      return parse(v);
    } catch (e) {
      throw new InvalidArgumentError(e instanceof Error ? e.message : String(e));
    }
  };
}

const program = new Command()
  .name('mlops')
  .description('Train, gate and register the churn model (progress on stderr, results on stdout).')
  .showHelpAfterError();

program
  .command('train')
  .description(
    'train every configured model, pick the best by validation ROC-AUC, gate it, optionally register and promote it',
  )
  .option('--data-path <csv>', 'training data (CSV)', 'data/raw/customer_data.csv')
  .option('--config-path <yaml>', 'platform config (base file)', 'config/config.yaml')
  .option('--register-best', 'register the best model when it passes the validation gate', false)
  .option('--promote-to-staging', 'move the registered version to Staging (archives the current one)', false)
  .option('--sample-ratio <ratio>', 'train on a stratified sample of the rows, in (0, 1]', arg(parseRatio))
  .option('--output-dir <dir>', 'where each run writes model.onnx, result.json and the report', '.local/runs')
  .option('--models <list>', 'comma-separated subset of xgboost,lightgbm,random_forest,logistic_regression')
  .option(
    '--trials <n>',
    'TPE trials per model (default: config n_trials); 0 disables tuning',
    arg(parseNonNegativeInt('--trials')),
  )
  .option('--no-tuning', 'skip hyperparameter tuning whatever the config says')
  .option(
    '--cv-folds <n>',
    'cross-validation folds of the best model (0 skips)',
    arg(parseNonNegativeInt('--cv-folds')),
  )
  .option('--threads <n>', 'worker threads for the learners', arg(parseNonNegativeInt('--threads')), 2)
  .option('--model-name <name>', 'registered model name (default: config serving.model_name)')
  .action(async (opts) => {
    process.exitCode = await trainCommand({ ...opts, threads: Math.max(1, opts.threads as number) });
  });

program
  .command('validate-model')
  .description('run the validation gate on a model file or registry version; exit 0 pass, 1 fail')
  .option('--model-name <name>', 'registered model name (default: config serving.model_name)')
  .option(
    '--min-accuracy <x>',
    'minimum test accuracy (overrides training.thresholds.min_accuracy, blocking)',
    arg((v) => {
      const x = Number(v);
      if (!(x >= 0 && x <= 1)) throw new CliError(`--min-accuracy must be in [0, 1], got ${v}`);
      return x;
    }),
  )
  .option('--output-file <json>', 'where to write the results', 'validation_results.json')
  .option('--model-path <onnx>', 'an ONNX model file (e.g. .local/runs/<run>/model.onnx)')
  .option(
    '--version <n>',
    'a registry version (default: the newest)',
    arg((v) => {
      const x = Number(v);
      if (!Number.isInteger(x) || x < 1) throw new CliError(`--version must be an integer >= 1, got ${v}`);
      return x;
    }),
  )
  .option(
    '--threshold <p>',
    "decision threshold (default: the version's, or the run's result.json, else 0.5)",
    arg((v) => {
      const x = Number(v);
      if (!(x >= 0 && x <= 1)) throw new CliError(`--threshold must be in [0, 1], got ${v}`);
      return x;
    }),
  )
  .option('--data-path <csv>', 'data whose held-out test split is scored (default: config data.raw_path)')
  .option(
    '--sample-ratio <ratio>',
    'the sample ratio the model was trained with (same test rows)',
    arg(parseRatio),
  )
  .option('--config-path <yaml>', 'platform config (base file)', 'config/config.yaml')
  .action(async (opts) => {
    process.exitCode = await validateModelCommand(opts);
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write('\n');
  if (e instanceof CliError || e instanceof TrainingError) {
    process.stderr.write(`mlops: ${e.message}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`mlops failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  }
});

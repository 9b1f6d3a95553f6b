import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  ALGORITHMS,
  gateRunTags,
  isAlgorithm,
  isLaptopMode,
  metricRecord,
  registryFromEnv,
  runTraining,
  trainingResultJson,
  validateModel,
  type Algorithm,
  type RegisteredVersion,
  type TrainingResult,
  type ValidationResult,
} from '@mlops/training';
import { CliError, gateSettings, loadConfigFrom, stamp } from './common.js';
import { LaptopEvents } from './laptop-events.js';
import { metricsTable, table } from './metrics-table.js';
import { ProgressRenderer } from './progress-renderer.js';
import { writeBestModelReport } from './report-writer.js';

export interface TrainOptions {
  readonly dataPath: string;
  readonly configPath: string;
  readonly registerBest: boolean;
  readonly promoteToStaging: boolean;
  readonly sampleRatio?: number;
  readonly outputDir: string;
  readonly models?: string;
  readonly trials?: number;
  readonly tuning: boolean;
  readonly cvFolds?: number;
  readonly threads: number;
  readonly modelName?: string;
}

/**
 * `mlops train`: the whole training pipeline on a CSV, progress on stderr, the metrics table on
 * stdout; writes `model.onnx`, `result.json` and the best model's report into
 * `<output-dir>/<run>/`; with --register-best the gated best model becomes the next registry
 * version (registry service when REGISTRY_URL is set, else laptop mode: the same registry code on
 * `.local/registry/registry.sqlite`, its events on an in-process bus, each observed event printed),
 * with --promote-to-staging it moves to Staging. Exit 1 when --register-best was asked and the
 * gate rejected the model.
 */
export async function trainCommand(o: TrainOptions): Promise<number> {
  if (o.promoteToStaging && !o.registerBest)
    throw new CliError(
      '--promote-to-staging needs --register-best (only a registered version can change stage)',
    );
  const config = loadConfigFrom(o.configPath);
  const models = parseModels(o.models);
  const progress = new ProgressRenderer(process.stderr);
  const runName = `train-${stamp()}`;
  const dir = resolve(o.outputDir, runName);
  mkdirSync(dir, { recursive: true });

  const result = await runTraining({
    csvPath: o.dataPath,
    config,
    ...(o.sampleRatio !== undefined ? { sampleRatio: o.sampleRatio } : {}),
    ...(models ? { models } : {}),
    tuning: {
      enabled: o.tuning && (o.trials ?? 1) > 0,
      ...(o.trials !== undefined ? { nTrials: o.trials } : {}),
    },
    ...(o.cvFolds !== undefined ? { cvFolds: o.cvFolds } : {}),
    nThreads: o.threads,
    onProgress: progress.handle,
  });

  progress.line(`· validation gate of ${result.best.algorithm}`);
  const gate = gateSettings(config);
  const validation = await validateModel({
    onnxBytes: result.onnx.bytes,
    metrics: metricRecord(result.best.metrics.test),
    ...gate,
    sampleRows: result.sampleRows,
  });

  const modelName = o.modelName ?? config.serving.model_name;
  let registered: RegisteredVersion | null = null;
  let rejectedRunId: string | null = null;
  let registry: string | null = null;
  let events: LaptopEvents | undefined;
  if (o.registerBest) {
    events = isLaptopMode()
      ? await LaptopEvents.start((line) => progress.line(`· event: ${line}`))
      : undefined;
    const client = registryFromEnv(process.env, {
      actor: 'mlops-cli',
      ...(events !== undefined ? { events: events.bus } : {}),
      onWarning: (message) => progress.line(`! ${message}`),
    });
    registry = client.location;
    const trained = {
      modelName,
      experimentName: config.registry.default_experiment,
      runName,
      algorithm: result.best.algorithm,
      onnxBytes: result.onnx.bytes,
      sha256: result.onnx.sha256,
      explainerBytes: result.explainer.bytes,
      metrics: versionMetrics(result),
      params: runParams(result),
      ...(result.best.lossCurve
        ? {
            history: {
              train_log_loss: result.best.lossCurve.train,
              val_log_loss: result.best.lossCurve.validation,
            },
          }
        : {}),
      tags: {
        source: 'mlops train',
        data: result.data.source,
        sample_ratio: String(result.data.sampleRatio),
        ...gateRunTags(validation),
      },
    };
    try {
      if (!validation.passed) {
        // As the training service does: the rejected model is kept as a run (its metrics and the
        // gate's reasons), no version, and in laptop mode mlops.model.rejected.v1 is observed.
        progress.line(`· logging the rejected ${result.best.algorithm} as a run in ${client.location}`);
        rejectedRunId = (await client.logRejectedModel({ ...trained, reasons: validation.reasons })).runId;
      } else {
        progress.line(`· registering ${modelName} in ${client.location}`);
        registered = await client.registerVersion({
          ...trained,
          inputSchema: result.inputSchema,
          threshold: result.threshold.value,
          description: `${result.best.algorithm}, val ROC-AUC ${result.best.metrics.validation.rocAuc.toFixed(4)}, threshold ${result.threshold.value.toFixed(4)} (${result.threshold.strategy})`,
        });
        if (o.promoteToStaging) {
          registered = await client.transitionStage(modelName, registered.version, 'Staging', {
            archiveExisting: true,
            reason: `mlops train ${runName}: validation gate passed`,
            actor: 'mlops-cli',
          });
        }
      }
    } finally {
      await client.close();
      await events?.close();
    }
  }

  writeFileSync(join(dir, 'model.onnx'), result.onnx.bytes);
  await writeBestModelReport(result, dir, {
    modelName,
    version: registered ? String(registered.version) : 'unregistered',
    thresholds: gate.thresholds,
    blocking: gate.blocking,
  });
  writeFileSync(
    join(dir, 'result.json'),
    JSON.stringify(
      trainingResultJson(result, {
        run: runName,
        modelName,
        validation,
        registry,
        registered,
        ...(rejectedRunId !== null ? { rejectedRunId } : {}),
        files: { onnx: 'model.onnx', report: 'report.html', reportJson: 'report.json' },
      }),
      null,
      2,
    ) + '\n',
  );
  progress.done();

  const out: string[] = [];
  out.push(metricsTable(result.candidates, result.best.algorithm));
  out.push(
    `best: ${result.best.algorithm} (validation ROC-AUC ${result.best.metrics.validation.rocAuc.toFixed(4)}); threshold ${result.threshold.value.toFixed(4)}: ${result.threshold.how}`,
  );
  if (result.cv) out.push(`${result.cv.summary} (${result.cv.folds}-fold, training split)`);
  out.push(
    `rows: ${result.data.rows} (sample ratio ${result.data.sampleRatio}), split ${result.data.split.train.rows}/${result.data.split.validation.rows}/${result.data.split.test.rows}; ${result.timings['total']} s`,
  );
  out.push(gateSummary(validation));
  if (o.registerBest) {
    out.push(
      registered
        ? `registered: ${registered.modelName} version ${registered.version} (stage ${registered.stage}) in ${registry}`
        : `not registered: the validation gate rejected ${result.best.algorithm}; logged as run ${rejectedRunId ?? '?'} in ${registry}`,
    );
  }
  if (events !== undefined) {
    out.push(
      events.observed.length > 0
        ? `events (in-process bus):\n${events.observed.map((line) => `  ${line}`).join('\n')}`
        : 'events (in-process bus): none observed',
    );
  }
  out.push(`outputs: ${dir}`);
  process.stdout.write(out.join('\n') + '\n');
  return o.registerBest && !validation.passed ? 1 : 0;
}

function parseModels(list: string | undefined): Algorithm[] | undefined {
  if (list === undefined) return undefined;
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names)
    if (!isAlgorithm(n))
      throw new CliError(
        `--models: unknown model ${n}; use a comma-separated list of ${ALGORITHMS.join(', ')}`,
      );
  if (names.length === 0)
    throw new CliError(`--models is empty; use a comma-separated list of ${ALGORITHMS.join(', ')}`);
  return names as Algorithm[];
}

/** The version's metrics: test metrics under plain names, validation ones as `val_*`. */
function versionMetrics(r: TrainingResult): Record<string, number> {
  const out: Record<string, number> = { ...metricRecord(r.best.metrics.test) };
  for (const [k, v] of Object.entries(metricRecord(r.best.metrics.validation))) out[`val_${k}`] = v;
  if (r.cv) {
    out['cv_roc_auc_mean'] = r.cv.meanRocAuc;
    out['cv_roc_auc_std'] = r.cv.stdRocAuc;
  }
  return out;
}

function runParams(r: TrainingResult): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {
    algorithm: r.best.algorithm,
    sample_ratio: r.data.sampleRatio,
    rows: r.data.rows,
    split_seed: r.data.splitSeed,
    threshold_strategy: r.threshold.strategy,
    threshold: r.threshold.value,
  };
  for (const [k, v] of Object.entries(r.best.params)) out[`model.${k}`] = v;
  return out;
}

export function gateSummary(v: ValidationResult): string {
  const rows = v.checks.map((c) => [
    c.check,
    c.kind,
    c.passed ? 'pass' : 'FAIL',
    typeof c.expected === 'number' ? String(c.expected) : String(c.expected).slice(0, 36),
    c.actual === null
      ? '-'
      : typeof c.actual === 'number'
        ? String(Number(c.actual.toPrecision(4)))
        : String(c.actual).slice(0, 30),
  ]);
  return (
    `validation gate: ${v.status.toUpperCase()}\n` +
    table(['check', 'kind', 'result', 'expected', 'actual'], rows).trimEnd()
  );
}

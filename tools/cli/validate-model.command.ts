import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createOnnxSession, runOnnxPipeline } from '@mlops/ml/onnx-runtime';
import {
  metricRecord,
  readTrainingCsv,
  registryFromEnv,
  sha256Hex,
  splitData,
  splitMetrics,
  validateModel,
  type RegisteredVersion,
} from '@mlops/training';
import { CliError, gateSettings, loadConfigFrom } from './common.js';
import { gateSummary } from './train.command.js';

export interface ValidateModelOptions {
  readonly modelName?: string;
  readonly minAccuracy?: number;
  readonly outputFile: string;
  readonly modelPath?: string;
  readonly version?: number;
  readonly configPath: string;
  readonly dataPath?: string;
  readonly sampleRatio?: number;
  readonly threshold?: number;
}

/**
 * `mlops validate-model`: the validation gate on a model, as the seed's validate step does:
 * the model (a file, or a registry version: --version N, else the newest) is run through
 * onnxruntime-node on the held-out test split of the data (the same seeded split as training),
 * its metrics at its decision threshold are checked against the configured thresholds
 * (`--min-accuracy` overrides min_accuracy and makes it blocking), then the artifact checks
 * (format, size, p99 latency, memory). Writes the results to --output-file; exit 0 pass, 1 fail.
 */
export async function validateModelCommand(o: ValidateModelOptions): Promise<number> {
  const config = loadConfigFrom(o.configPath);
  const modelName = o.modelName ?? config.serving.model_name;
  if (o.modelPath !== undefined && o.version !== undefined)
    throw new CliError('give --model-path or --version, not both');

  let bytes: Uint8Array;
  let threshold: number | undefined = o.threshold;
  let source: Record<string, unknown>;
  if (o.modelPath !== undefined) {
    const path = resolve(o.modelPath);
    if (!existsSync(path)) throw new CliError(`--model-path ${o.modelPath}: no such file`);
    bytes = new Uint8Array(readFileSync(path));
    // a model written by `mlops train` has its result.json (with the threshold) beside it
    const beside = join(dirname(path), 'result.json');
    if (threshold === undefined && existsSync(beside)) {
      const r = JSON.parse(readFileSync(beside, 'utf8')) as { threshold?: { value?: unknown } };
      if (typeof r.threshold?.value === 'number') threshold = r.threshold.value;
    }
    source = { kind: 'file', path };
  } else {
    // Laptop mode holds the registry file's lock while open: read the version and its bytes, then close.
    const client = registryFromEnv(process.env, { actor: 'mlops-cli' });
    let v: RegisteredVersion | null;
    try {
      v =
        o.version !== undefined
          ? await client.getVersion(modelName, o.version)
          : await client.latestVersion(modelName);
      if (v === null)
        throw new CliError(
          `no version of ${modelName} in the registry at ${client.location}: train one with mlops train --register-best, or pass --model-path`,
        );
      bytes = await client.getOnnx(modelName, v.version);
    } finally {
      await client.close();
    }
    threshold ??= v.threshold ?? undefined;
    source = {
      kind: 'registry',
      registry: client.location,
      version: v.version,
      stage: v.stage,
      runId: v.runId,
      checksum: v.checksum,
    };
  }
  const thresholdSource =
    threshold === undefined ? 'default 0.5' : o.threshold !== undefined ? '--threshold' : 'the model';
  threshold ??= 0.5;

  // the held-out test rows, as in training
  const raw = await readTrainingCsv(o.dataPath ?? config.data.raw_path, config);
  const { raw: rows, y, idx } = splitData(raw, config, o.sampleRatio ?? 1);
  const testRaw = rows.take(idx.test);
  const records = Array.from({ length: testRaw.rowCount }, (_, r) => testRaw.record(r));
  const yTest = Uint8Array.from(idx.test, (i) => y[i]!);
  let proba: Float64Array;
  try {
    const session = await createOnnxSession(bytes);
    proba = Float64Array.from((await runOnnxPipeline(session, records)).proba);
    await session.release();
  } catch (e) {
    proba = new Float64Array(0);
    process.stderr.write(
      `the model could not be run on the test split: ${e instanceof Error ? e.message : String(e)}\n`,
    );
  }
  const metrics = proba.length === yTest.length ? metricRecord(splitMetrics(yTest, proba, threshold)) : {};

  const gate = gateSettings(config);
  if (o.minAccuracy !== undefined) {
    gate.thresholds['min_accuracy'] = o.minAccuracy;
    if (!gate.blocking.includes('min_accuracy')) gate.blocking.push('min_accuracy');
    gate.advisory = gate.advisory.filter((n) => n !== 'min_accuracy');
  }
  const result = await validateModel({
    onnxBytes: bytes,
    metrics,
    ...gate,
    sampleRows: records.slice(0, 200),
  });
  const out = {
    modelName,
    source,
    sha256: sha256Hex(bytes),
    threshold,
    thresholdSource,
    testRows: yTest.length,
    metrics,
    thresholds: gate.thresholds,
    blocking: gate.blocking,
    advisory: gate.advisory,
    ...result,
    validatedAt: new Date().toISOString(),
  };
  writeFileSync(resolve(o.outputFile), JSON.stringify(out, null, 2) + '\n');
  process.stdout.write(
    `${modelName} (${source['kind'] === 'file' ? String(source['path']) : `version ${String(source['version'])}`}), threshold ${threshold.toFixed(4)} (${thresholdSource}), ${yTest.length} test rows\n` +
      gateSummary(result) +
      `\nresults: ${resolve(o.outputFile)}\n`,
  );
  return result.passed ? 0 : 1;
}

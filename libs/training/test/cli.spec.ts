/**
 * The `mlops` command-line tool (tools/cli) end to end: the built CLI runs as a child process on a
 * 10% sample of the bundled data with the embedded (SQLite) registry in a temporary directory.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { openEmbeddedRegistry } from '@mlops/registry';

const root = resolve(process.cwd());
const main = join(root, 'tools/cli/dist/main.js');
let work: string;
let lenientConfig: string;

function mlops(args: string[]): { code: number; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    MLOPS_LOCAL_REGISTRY_DIR: join(work, 'registry'),
    MLOPS_ENV: 'development',
  };
  delete env['REGISTRY_URL'];
  const r = spawnSync(process.execPath, [main, ...args], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // Build the CLI (incremental: fast when dist is up to date).
  try {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'tools/cli/tsconfig.json'],
      { cwd: root, stdio: 'pipe' },
    );
  } catch (e) {
    const out = e as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(
      `building the CLI failed (npx tsc -b tools/cli/tsconfig.json):\n${String(out.stdout ?? '')}${String(out.stderr ?? '')}`,
    );
  }
  if (!existsSync(main))
    throw new Error(`${main} is missing after the build: run npx tsc -b tools/cli/tsconfig.json`);
  work = mkdtempSync(join(tmpdir(), 'mlops-cli-'));
  // A config whose blocking thresholds any of the four models passes on a 10% sample, so the
  // register-and-promote path runs for certain.
  cpSync(join(root, 'config'), join(work, 'config'), { recursive: true });
  lenientConfig = join(work, 'config', 'config.yaml');
  const doc = parse(readFileSync(lenientConfig, 'utf8')) as {
    training: { thresholds: Record<string, number> };
  };
  doc.training.thresholds = {
    min_accuracy: 0.6,
    min_precision: 0.4,
    min_recall: 0.4,
    min_f1_score: 0.4,
    min_auc_roc: 0.6,
  };
  writeFileSync(lenientConfig, stringify(doc));
}, 300_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('mlops train', () => {
  it('trains the four models on a 10% sample, prints the metrics table, writes the run files, registers and promotes the best', async () => {
    const r = mlops([
      'train',
      '--data-path',
      'data/raw/customer_data.csv',
      '--config-path',
      lenientConfig,
      '--sample-ratio',
      '0.1',
      '--trials',
      '2',
      '--cv-folds',
      '3',
      '--output-dir',
      join(work, 'runs'),
      '--register-best',
      '--promote-to-staging',
    ]);
    expect(r.stderr).not.toMatch(/mlops failed/);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(
      /^model\s+val AUC\s+test AUC\s+accuracy\s+precision\s+recall\s+F1\s+threshold\s+fit s$/,
    );
    const rows = lines.filter((l) => /^[* ] (xgboost|lightgbm|random_forest|logistic_regression)\s/.test(l));
    expect(rows.map((l) => l.trim().replace(/^\* /, '').split(/\s+/)[0])).toEqual([
      'xgboost',
      'lightgbm',
      'random_forest',
      'logistic_regression',
    ]);
    expect(rows.filter((l) => l.startsWith('* '))).toHaveLength(1);
    for (const row of rows)
      for (const cell of row.trim().replace(/^\* /, '').split(/\s+/).slice(1))
        expect(Number(cell)).not.toBeNaN();
    expect(r.stdout).toMatch(/^validation gate: PASSED$/m);
    expect(r.stdout).toMatch(/^registered: churn-predictor version 1 \(stage Staging\) in /m);
    expect(r.stderr).toMatch(/trial 2\/2/);

    const runs = readdirSync(join(work, 'runs'));
    expect(runs).toHaveLength(1);
    const dir = join(work, 'runs', runs[0]!);
    for (const f of [
      'model.onnx',
      'result.json',
      'report.json',
      'report.html',
      'roc_curve.png',
      'confusion_matrix.png',
      'feature_importance.png',
    ])
      expect(existsSync(join(dir, f))).toBe(true);
    const result = JSON.parse(readFileSync(join(dir, 'result.json'), 'utf8'));
    expect(result.data.sampleRatio).toBe(0.1);
    expect(result.candidates).toHaveLength(4);
    expect(result.validation.status).toBe('passed');
    expect(result.registered).toMatchObject({ modelName: 'churn-predictor', version: 1, stage: 'Staging' });
    expect(result.onnx.sizeBytes).toBe(readFileSync(join(dir, 'model.onnx')).length);
    const best = result.candidates.find((c: { algorithm: string }) => c.algorithm === result.best);
    expect(rows.find((l) => l.startsWith('* '))).toContain(best.metrics.test.rocAuc.toFixed(4));
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.model.version).toBe('1');
    const registry = await openEmbeddedRegistry({ path: join(work, 'registry', 'registry.sqlite') });
    try {
      expect((await registry.models.getVersion('churn-predictor', 1)).currentStage).toBe('Staging');
    } finally {
      await registry.close();
    }
  }, 300_000);

  it('logs a model the gate rejects as a run, registers nothing, prints the model-rejected event and exits 1', async () => {
    // The same config with an accuracy no model reaches (a config directory: overlays sit beside it).
    cpSync(join(work, 'config'), join(work, 'strict'), { recursive: true });
    const strictConfig = join(work, 'strict', 'config.yaml');
    const doc = parse(readFileSync(lenientConfig, 'utf8')) as {
      training: { thresholds: Record<string, number> };
    };
    doc.training.thresholds = { ...doc.training.thresholds, min_accuracy: 0.99 };
    writeFileSync(strictConfig, stringify(doc));
    const r = mlops([
      'train',
      '--config-path',
      strictConfig,
      '--sample-ratio',
      '0.1',
      '--models',
      'logistic_regression',
      '--no-tuning',
      '--cv-folds',
      '0',
      '--output-dir',
      join(work, 'runs-rejected'),
      '--model-name',
      'churn-strict',
      '--register-best',
    ]);
    expect(r.stderr).not.toMatch(/mlops failed/);
    expect(r.code).toBe(1);
    const logged =
      /not registered: the validation gate rejected logistic_regression; logged as run ([0-9a-f]{32}) in (.+registry\.sqlite)/.exec(
        r.stdout,
      );
    expect(logged).not.toBeNull();
    const runId = logged![1]!;
    expect(r.stdout).toContain(
      `rejected churn-strict (run ${runId}): min_accuracy (mlops.model.rejected.v1)`,
    );
    const [dir] = readdirSync(join(work, 'runs-rejected'));
    const result = JSON.parse(readFileSync(join(work, 'runs-rejected', dir!, 'result.json'), 'utf8'));
    expect(result).toMatchObject({
      rejectedRunId: runId,
      registered: null,
      validation: { status: 'rejected' },
    });
    const registry = await openEmbeddedRegistry({ path: join(work, 'registry', 'registry.sqlite') });
    try {
      const run = await registry.tracking.getRun(runId);
      expect(run.info.status).toBe('FINISHED');
      expect(Object.fromEntries(run.tags.map((t) => [t.key, t.value]))).toMatchObject({
        'gate.status': 'rejected',
        algorithm: 'logistic_regression',
      });
      const reasons = JSON.parse(run.tags.find((t) => t.key === 'gate.reasons')?.value ?? '[]') as {
        check: string;
      }[];
      expect(reasons.map((r) => r.check)).toEqual(['min_accuracy']);
      expect(run.tags.map((t) => t.key)).toEqual(
        expect.arrayContaining(['gate.warnings', 'gate.p99_latency_ms', 'gate.size_bytes']),
      );
      await expect(registry.models.getVersion('churn-strict', 1)).rejects.toThrow(/not found/);
    } finally {
      await registry.close();
    }
  }, 300_000);

  it('refuses a bad option with exit code 2 and a message naming it', () => {
    const r = mlops(['train', '--sample-ratio', '2']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--sample-ratio must be a number in (0, 1], got 2');
    const p = mlops(['train', '--promote-to-staging', '--config-path', lenientConfig]);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('--promote-to-staging needs --register-best');
  });
});

describe('mlops validate-model', () => {
  it('gates the registered version on the same held-out test rows and writes the results (exit 0 on pass)', () => {
    const out = join(work, 'validation_results.json');
    const r = mlops([
      'validate-model',
      '--model-name',
      'churn-predictor',
      '--min-accuracy',
      '0.6',
      '--output-file',
      out,
      '--config-path',
      lenientConfig,
      '--sample-ratio',
      '0.1',
    ]);
    const res = JSON.parse(readFileSync(out, 'utf8'));
    expect(res.source).toMatchObject({ kind: 'registry', version: 1, stage: 'Staging' });
    const run = readdirSync(join(work, 'runs'))[0]!;
    const trained = JSON.parse(readFileSync(join(work, 'runs', run, 'result.json'), 'utf8'));
    const best = trained.candidates.find((c: { algorithm: string }) => c.algorithm === trained.best);
    expect(res.threshold).toBe(trained.threshold.value);
    expect(res.testRows).toBe(trained.data.split.test.rows);
    expect(res.metrics.roc_auc).toBeCloseTo(best.metrics.test.rocAuc, 5);
    expect(Math.abs(res.metrics.accuracy - best.metrics.test.accuracy)).toBeLessThanOrEqual(1 / res.testRows);
    expect(res.status).toBe('passed');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^validation gate: PASSED$/m);
  }, 120_000);

  it('fails a model file below --min-accuracy with exit code 1 and the reason in the output file', () => {
    const run = readdirSync(join(work, 'runs'))[0]!;
    const out = join(work, 'strict.json');
    const r = mlops([
      'validate-model',
      '--model-path',
      join(work, 'runs', run, 'model.onnx'),
      '--min-accuracy',
      '0.99',
      '--output-file',
      out,
      '--config-path',
      lenientConfig,
      '--sample-ratio',
      '0.1',
    ]);
    expect(r.code).toBe(1);
    const res = JSON.parse(readFileSync(out, 'utf8'));
    expect(res.status).toBe('rejected');
    expect(res.thresholdSource).toBe('the model');
    expect(res.reasons.map((x: { check: string }) => x.check)).toContain('min_accuracy');
    expect(res.reasons.find((x: { check: string }) => x.check === 'min_accuracy').expected).toBe(0.99);
  }, 120_000);
});

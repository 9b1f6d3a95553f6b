/**
 * @jest-environment ./libs/ml/src/onnx/jest-ort-environment.mjs
 */
import { loadConfig } from '@mlops/config';
import { OnnxGraphBuilder, encodeOnnxModel } from '@mlops/ml';
import { metricRecord } from '../evaluation.js';
import { runTraining, type TrainingResult } from '../pipeline.js';
import { TrainingError } from '../training.error.js';
import { quantileNearestRank, validateModel, type ValidateModelInput } from './validate-model.js';

const config = loadConfig({ env: {}, configDir: 'config' });
const mv = config.model_validation;
let trained: TrainingResult;

/** A model whose `probabilities` are (tenure, tenure) as float: outside [0, 1] and not summing to 1. */
function badFormatModel(): Uint8Array {
  const g = new OnnxGraphBuilder('bad');
  const x = g.input('tenure', 'double', ['N', 1]);
  const f = g.op1('Cast', [x], { to: 1 });
  const probs = g.op1('Concat', [f, f], { axis: 1 });
  const label = g.op1('ArgMax', [probs], { axis: 1, keepdims: 0 });
  g.output(probs, 'float', ['N', 2], 'probabilities');
  g.output(label, 'int64', ['N'], 'label');
  return encodeOnnxModel(g.toModel());
}

function input(over: Partial<ValidateModelInput> = {}): ValidateModelInput {
  return {
    onnxBytes: trained.onnx.bytes,
    metrics: metricRecord(trained.best.metrics.test),
    thresholds: {
      min_accuracy: 0.5,
      min_recall: 0.5,
      min_auc_roc: 0.6,
      min_precision: 0.3,
      min_f1_score: 0.3,
    },
    blocking: ['min_accuracy', 'min_recall', 'min_auc_roc'],
    advisory: ['min_precision', 'min_f1_score'],
    limits: {
      maxModelSizeMb: mv.max_model_size_mb,
      maxP99LatencyMs: 1000,
      maxMemoryMb: mv.max_memory_mb,
      latencyCalls: 50,
    },
    sampleRows: trained.sampleRows.slice(0, 50),
    ...over,
  };
}

beforeAll(async () => {
  trained = await runTraining({
    csvPath: 'data/raw/customer_data.csv',
    config,
    sampleRatio: 0.2,
    models: ['logistic_regression'],
    tuning: { enabled: false },
    cvFolds: 0,
  });
}, 60_000);

describe('validateModel: the validation gate', () => {
  it('passes a real exported pipeline whose metrics meet the thresholds, with every check listed', async () => {
    const r = await validateModel(input());
    expect(r.status).toBe('passed');
    expect(r.reasons).toEqual([]);
    expect(r.checks.map((c) => c.check)).toEqual([
      'min_accuracy',
      'min_recall',
      'min_auc_roc',
      'min_precision',
      'min_f1_score',
      'onnx_loads',
      'prediction_format',
      'model_size_mb',
      'p99_latency_ms',
      'memory_mb',
    ]);
    expect(r.checks.every((c) => c.passed)).toBe(true);
    expect(r.measurements.sizeBytes).toBe(trained.onnx.bytes.length);
    expect(r.measurements.latencyCalls).toBe(50);
    expect(r.measurements.p99LatencyMs).toBeGreaterThan(0);
    expect(r.measurements.p99LatencyMs!).toBeGreaterThanOrEqual(r.measurements.p50LatencyMs!);
    expect(r.measurements.memoryMb).toBeGreaterThanOrEqual(0);
  });

  it('rejects on a blocking threshold miss, with check, expected, actual and message', async () => {
    const metrics = { ...metricRecord(trained.best.metrics.test), recall: 0.4 };
    const r = await validateModel(input({ metrics }));
    expect(r.status).toBe('rejected');
    expect(r.reasons).toEqual([
      {
        check: 'min_recall',
        expected: 0.5,
        actual: 0.4,
        message: 'recall 0.4 is below the minimum 0.5 (blocking)',
      },
    ]);
  });

  it('reports an advisory miss as a warning and still passes', async () => {
    const metrics = { ...metricRecord(trained.best.metrics.test), precision: 0.2 };
    const r = await validateModel(input({ metrics }));
    expect(r.passed).toBe(true);
    expect(r.warnings).toEqual([
      {
        check: 'min_precision',
        expected: 0.3,
        actual: 0.2,
        message: 'precision 0.2 is below the minimum 0.3 (advisory)',
      },
    ]);
  });

  it('fails a threshold whose metric was not measured (missing or NaN), and treats an unlisted threshold as blocking', async () => {
    const r = await validateModel(
      input({
        metrics: { accuracy: NaN, recall: 0.9, roc_auc: 0.9, precision: 0.9, f1_score: 0.9 },
        thresholds: { min_accuracy: 0.5, min_brier: 0.1 },
      }),
    );
    expect(r.reasons.map((x) => [x.check, x.actual])).toEqual([
      ['min_accuracy', null],
      ['min_brier', null],
    ]);
    expect(r.reasons[0]!.message).toBe('accuracy was not measured: the gate needs it for min_accuracy');
  });

  it('rejects bytes that do not load in onnxruntime-node; the runtime checks are then not measured', async () => {
    const r = await validateModel(input({ onnxBytes: new TextEncoder().encode('not an onnx model') }));
    const byName = new Map(r.checks.map((c) => [c.check, c]));
    expect(byName.get('onnx_loads')).toMatchObject({ passed: false, actual: false });
    expect(byName.get('onnx_loads')!.message).toMatch(/^the artifact does not load in onnxruntime-node: /);
    for (const c of ['prediction_format', 'p99_latency_ms', 'memory_mb'])
      expect(byName.get(c)).toMatchObject({ passed: false, actual: null });
    expect(r.status).toBe('rejected');
  });

  it('rejects a model whose probabilities are not [N,2] in [0,1] summing to 1', async () => {
    const r = await validateModel(
      input({ onnxBytes: badFormatModel(), sampleRows: [{ tenure: 12 }, { tenure: 3 }] }),
    );
    const fmt = r.checks.find((c) => c.check === 'prediction_format')!;
    expect(fmt.passed).toBe(false);
    expect(fmt.message).toBe('row 0: probabilities (12, 12) are outside [0, 1]');
    expect(r.checks.find((c) => c.check === 'onnx_loads')!.passed).toBe(true);
  });

  it('rejects a model larger than max_model_size_mb', async () => {
    const r = await validateModel(input({ limits: { ...input().limits, maxModelSizeMb: 0.001 } }));
    const c = r.reasons.find((x) => x.check === 'model_size_mb')!;
    expect(c.expected).toBe(0.001);
    expect(c.actual).toBeCloseTo(trained.onnx.bytes.length / 2 ** 20, 5);
  });

  it('rejects a p99 single-row latency above max_p99_latency_ms', async () => {
    const r = await validateModel(input({ limits: { ...input().limits, maxP99LatencyMs: 1e-6 } }));
    const c = r.reasons.find((x) => x.check === 'p99_latency_ms')!;
    expect(c.expected).toBe(1e-6);
    expect(c.actual as number).toBeGreaterThan(1e-6);
  });

  it('rejects a resident memory growth above max_memory_mb (measured by the probe around loading)', async () => {
    let rss = 100 * 2 ** 20;
    const r = await validateModel(
      input({ memoryProbe: () => (rss += 300 * 2 ** 20), limits: { ...input().limits, maxMemoryMb: 256 } }),
    );
    expect(r.reasons).toEqual([
      {
        check: 'memory_mb',
        expected: 256,
        actual: 300,
        message: 'resident memory growth of loading the model 300 exceeds the limit 256',
      },
    ]);
  });

  it('refuses malformed input, naming it', async () => {
    await expect(validateModel(input({ sampleRows: [] }))).rejects.toThrow(TrainingError);
    await expect(validateModel(input({ limits: { ...input().limits, latencyCalls: 0 } }))).rejects.toThrow(
      'limits.latencyCalls must be an integer >= 1, got 0',
    );
  });
});

describe('quantileNearestRank', () => {
  it('is the ceil(q n)-th smallest value', () => {
    const v = Array.from({ length: 200 }, (_, i) => 200 - i);
    expect(quantileNearestRank(v, 0.99)).toBe(198);
    expect(quantileNearestRank(v, 0.5)).toBe(100);
    expect(quantileNearestRank([5], 0.99)).toBe(5);
    expect(quantileNearestRank([], 0.99)).toBeNaN();
  });
});

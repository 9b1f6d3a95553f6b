import type { GateFailure } from '@mlops/contracts';
import { createOnnxSession, runOnnxPipeline, type OnnxSession, type RawRow } from '@mlops/ml/onnx-runtime';
import { TrainingError } from '../training.error.js';

/** Config threshold name -> the metric it bounds (`training.thresholds`; metrics as the registry names them). */
export const THRESHOLD_METRICS: Readonly<Record<string, string>> = {
  min_accuracy: 'accuracy',
  min_precision: 'precision',
  min_recall: 'recall',
  min_f1_score: 'f1_score',
  min_auc_roc: 'roc_auc',
};

/** The config's `model_validation` limits. */
export interface GateLimits {
  readonly maxModelSizeMb: number;
  readonly maxP99LatencyMs: number;
  readonly maxMemoryMb: number;
  /** Single-row predictions timed for the p99 (default 200, after 10 warm-up calls). */
  readonly latencyCalls?: number;
}

export interface ValidateModelInput {
  readonly onnxBytes: Uint8Array;
  /** Metrics of the model on the test split at its decision threshold (`accuracy`, `recall`, `roc_auc`, ...). */
  readonly metrics: Readonly<Record<string, number>>;
  /** `min_*` thresholds (the config's `training.thresholds`). */
  readonly thresholds: Readonly<Record<string, number>>;
  /** Threshold names whose miss rejects the model. */
  readonly blocking: readonly string[];
  /** Threshold names whose miss is a warning only. */
  readonly advisory: readonly string[];
  readonly limits: GateLimits;
  /** Raw rows (records with the model's input columns) the artifact is run on. */
  readonly sampleRows: readonly RawRow[];
  /** Resident memory probe in bytes (default `process.memoryUsage().rss`). */
  readonly memoryProbe?: () => number;
}

/** One check of the gate, passed or not. */
export interface GateCheck extends GateFailure {
  readonly passed: boolean;
  /** blocking: a miss rejects; advisory: a miss is a warning. */
  readonly kind: 'blocking' | 'advisory';
}

export interface ValidationMeasurements {
  readonly sizeBytes: number;
  readonly loadMs: number | null;
  readonly memoryMb: number | null;
  readonly p50LatencyMs: number | null;
  readonly p99LatencyMs: number | null;
  readonly latencyCalls: number;
  readonly rowsChecked: number;
}

export interface ValidationResult {
  readonly status: 'passed' | 'rejected';
  readonly passed: boolean;
  /** Every check in order: metric thresholds, onnx_loads, prediction_format, model_size_mb, p99_latency_ms, memory_mb. */
  readonly checks: readonly GateCheck[];
  /** Blocking checks that failed: the model-rejected reasons. */
  readonly reasons: readonly GateFailure[];
  /** Advisory checks that failed. */
  readonly warnings: readonly GateFailure[];
  readonly measurements: ValidationMeasurements;
}

const MB = 1024 * 1024;
const SUM_TOLERANCE = 1e-4;

/**
 * The validation gate of a trained model (issue 6, item 3):
 * 1. each configured threshold `min_<metric>`: passed when metric >= minimum (a missing or NaN
 *    metric fails); blocking names reject, advisory names warn (a name in neither list is blocking);
 * 2. `onnx_loads`: the artifact loads in onnxruntime-node (blocking; the checks below need it);
 * 3. `prediction_format`: on `sampleRows`, `probabilities` is float [N, 2], finite, each in
 *    [0, 1], rows summing to 1 (within 1e-4), and `label` is int64 [N] with values in {0, 1};
 * 4. `model_size_mb`: artifact bytes / 2^20 <= maxModelSizeMb;
 * 5. `p99_latency_ms`: the 99th percentile (nearest rank) of `latencyCalls` single-row
 *    predictions after 10 warm-up calls <= maxP99LatencyMs;
 * 6. `memory_mb`: resident memory growth while loading the session and running the first
 *    prediction, max(0, rss_after - rss_before) / 2^20 <= maxMemoryMb.
 * Every failure is `{ check, expected, actual, message }` (contracts' GateFailure).
 *
 * @throws TrainingError when the input is malformed (no sample rows, a bad limit).
 */
export async function validateModel(input: ValidateModelInput): Promise<ValidationResult> {
  const { limits } = input;
  const calls = limits.latencyCalls ?? 200;
  if (!Number.isInteger(calls) || calls < 1)
    throw new TrainingError(`limits.latencyCalls must be an integer >= 1, got ${calls}`);
  for (const [k, v] of Object.entries({
    maxModelSizeMb: limits.maxModelSizeMb,
    maxP99LatencyMs: limits.maxP99LatencyMs,
    maxMemoryMb: limits.maxMemoryMb,
  })) {
    if (!(typeof v === 'number' && v >= 0))
      throw new TrainingError(`limits.${k} must be a number >= 0, got ${String(v)}`);
  }
  if (input.sampleRows.length === 0)
    throw new TrainingError(
      'sampleRows is empty: give a few raw rows with the model input columns to run the artifact on',
    );
  const probe = input.memoryProbe ?? ((): number => process.memoryUsage().rss);
  const checks: GateCheck[] = [];

  // 1. metric thresholds
  for (const [name, minimum] of Object.entries(input.thresholds)) {
    const metric = THRESHOLD_METRICS[name] ?? name.replace(/^min_/, '');
    const value = input.metrics[metric];
    const kind = input.advisory.includes(name) && !input.blocking.includes(name) ? 'advisory' : 'blocking';
    const ok = typeof value === 'number' && !Number.isNaN(value) && value >= minimum;
    checks.push({
      check: name,
      expected: minimum,
      actual: typeof value === 'number' && Number.isFinite(value) ? value : null,
      passed: ok,
      kind,
      message: ok
        ? `${metric} ${fmt(value!)} >= ${minimum}`
        : value === undefined || Number.isNaN(value)
          ? `${metric} was not measured: the gate needs it for ${name}`
          : `${metric} ${fmt(value)} is below the minimum ${minimum} (${kind})`,
    });
  }

  // 2. loads
  const sizeBytes = input.onnxBytes.length;
  let session: OnnxSession | null = null;
  let loadMs: number | null = null;
  let memoryMb: number | null = null;
  const rssBefore = probe();
  const l0 = performance.now();
  try {
    session = await createOnnxSession(input.onnxBytes);
    loadMs = performance.now() - l0;
    checks.push({
      check: 'onnx_loads',
      expected: true,
      actual: true,
      passed: true,
      kind: 'blocking',
      message: `loaded in onnxruntime-node in ${fmt(loadMs)} ms`,
    });
  } catch (e) {
    checks.push({
      check: 'onnx_loads',
      expected: true,
      actual: false,
      passed: false,
      kind: 'blocking',
      message: `the artifact does not load in onnxruntime-node: ${truncate(e instanceof Error ? e.message : String(e), 600)}`,
    });
  }

  // 3. prediction format
  let p50: number | null = null;
  let p99: number | null = null;
  if (session === null) {
    checks.push(notRun('prediction_format', 'probabilities [N,2] sum 1, label 0|1'));
  } else {
    let formatError: string | null;
    try {
      formatError = await checkFormat(session, input.sampleRows);
    } catch (e) {
      formatError = `running the model on ${input.sampleRows.length} rows failed: ${truncate(e instanceof Error ? e.message : String(e), 600)}`;
    }
    memoryMb = Math.max(0, probe() - rssBefore) / MB;
    checks.push({
      check: 'prediction_format',
      expected: 'probabilities [N,2] sum 1, label 0|1',
      actual: formatError === null ? 'as expected' : truncate(formatError, 256),
      passed: formatError === null,
      kind: 'blocking',
      message:
        formatError ??
        `${input.sampleRows.length} rows: probabilities [N,2] in [0,1] summing to 1, labels in {0,1}`,
    });
    if (formatError === null) {
      const lat = await latencies(session, input.sampleRows, calls);
      p50 = quantileNearestRank(lat, 0.5);
      p99 = quantileNearestRank(lat, 0.99);
    }
  }

  // 4. size
  const sizeMb = sizeBytes / MB;
  checks.push(limitCheck('model_size_mb', limits.maxModelSizeMb, sizeMb, 'ONNX artifact size'));
  // 5. latency
  checks.push(
    p99 === null
      ? notRun('p99_latency_ms', limits.maxP99LatencyMs)
      : limitCheck('p99_latency_ms', limits.maxP99LatencyMs, p99, `p99 of ${calls} single-row predictions`),
  );
  // 6. memory
  checks.push(
    memoryMb === null
      ? notRun('memory_mb', limits.maxMemoryMb)
      : limitCheck('memory_mb', limits.maxMemoryMb, memoryMb, 'resident memory growth of loading the model'),
  );

  if (session !== null) await session.release();
  const strip = (c: GateCheck): GateFailure => ({
    check: c.check,
    expected: c.expected,
    actual: c.actual,
    message: c.message,
  });
  const reasons = checks.filter((c) => !c.passed && c.kind === 'blocking').map(strip);
  const warnings = checks.filter((c) => !c.passed && c.kind === 'advisory').map(strip);
  return {
    status: reasons.length === 0 ? 'passed' : 'rejected',
    passed: reasons.length === 0,
    checks,
    reasons,
    warnings,
    measurements: {
      sizeBytes,
      loadMs,
      memoryMb,
      p50LatencyMs: p50,
      p99LatencyMs: p99,
      latencyCalls: p99 === null ? 0 : calls,
      rowsChecked: input.sampleRows.length,
    },
  };
}

/** Null when the outputs have the right format, else what is wrong (first problem found). */
async function checkFormat(session: OnnxSession, rows: readonly RawRow[]): Promise<string | null> {
  const n = rows.length;
  if (!session.outputNames.includes('probabilities') || !session.outputNames.includes('label'))
    return `the model must output 'probabilities' and 'label', it outputs ${session.outputNames.join(', ')}`;
  const { probabilities, label } = await runOnnxPipeline(session, rows);
  if (probabilities.length !== 2 * n)
    return `probabilities has ${probabilities.length} values for ${n} rows; expected shape [${n}, 2]`;
  if (label.length !== n) return `label has ${label.length} values for ${n} rows; expected shape [${n}]`;
  for (let r = 0; r < n; r++) {
    const a = probabilities[2 * r]!;
    const b = probabilities[2 * r + 1]!;
    if (!Number.isFinite(a) || !Number.isFinite(b))
      return `row ${r}: probabilities (${a}, ${b}) are not finite`;
    if (a < 0 || a > 1 || b < 0 || b > 1) return `row ${r}: probabilities (${a}, ${b}) are outside [0, 1]`;
    if (Math.abs(a + b - 1) > SUM_TOLERANCE)
      return `row ${r}: probabilities (${a}, ${b}) sum to ${a + b}, not 1`;
    const l = label[r]!;
    if (l !== 0 && l !== 1) return `row ${r}: label ${l} is not 0 or 1`;
  }
  return null;
}

/** Milliseconds of `calls` single-row predictions (rows taken in turn), after 10 warm-up calls. */
async function latencies(session: OnnxSession, rows: readonly RawRow[], calls: number): Promise<number[]> {
  for (let i = 0; i < 10; i++) await runOnnxPipeline(session, [rows[i % rows.length]!]);
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const row = [rows[i % rows.length]!];
    const t = performance.now();
    await runOnnxPipeline(session, row);
    out.push(performance.now() - t);
  }
  return out;
}

/** The q-quantile by nearest rank: the ceil(q * n)-th smallest value (NaN for no values). */
export function quantileNearestRank(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1]!;
}

function limitCheck(check: string, limit: number, actual: number, what: string): GateCheck {
  const ok = actual <= limit;
  return {
    check,
    expected: limit,
    actual: Number(actual.toPrecision(6)),
    passed: ok,
    kind: 'blocking',
    message: ok ? `${what} ${fmt(actual)} <= ${limit}` : `${what} ${fmt(actual)} exceeds the limit ${limit}`,
  };
}

function notRun(check: string, expected: number | string): GateCheck {
  return {
    check,
    expected,
    actual: null,
    passed: false,
    kind: 'blocking',
    message: `${check} was not measured: the model did not load or run`,
  };
}

function fmt(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(4))) : String(x);
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

/** Longest value of a gate tag (the registry's tag value limit is larger; reasons lists are cut here). */
const GATE_TAG_MAX = 5000;

/** The `gate.reasons` tag: the blocking failures as JSON (cut at 5,000 characters). */
export function gateReasonsTag(reasons: readonly GateFailure[]): string {
  return JSON.stringify(reasons).slice(0, GATE_TAG_MAX);
}

/**
 * The tags a gated run carries, wherever it is logged (the training service, `mlops train`):
 * `gate.status` (passed | rejected), `gate.reasons` and `gate.warnings` (JSON), and the measured
 * `gate.p99_latency_ms` and `gate.size_bytes`.
 */
export function gateRunTags(v: ValidationResult): Record<string, string> {
  return {
    'gate.status': v.status,
    'gate.reasons': gateReasonsTag(v.reasons),
    'gate.warnings': JSON.stringify(v.warnings).slice(0, GATE_TAG_MAX),
    'gate.p99_latency_ms': String(v.measurements.p99LatencyMs),
    'gate.size_bytes': String(v.measurements.sizeBytes),
  };
}

import type { ColumnSpec, GateFailure } from '@mlops/contracts';
import { gateReasonsTag } from '../gate/validate-model.js';

/** Registry stages, spelled as MLflow spells them. */
export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];

/** A trained model to log as a run and register as the next version of `modelName`. */
export interface RegisterVersionInput {
  readonly modelName: string;
  /** Tracking experiment of the run (config `registry.default_experiment`). */
  readonly experimentName: string;
  readonly runName: string;
  readonly algorithm: string;
  readonly onnxBytes: Uint8Array;
  /** Lower-case hex SHA-256 of `onnxBytes`. */
  readonly sha256: string;
  /**
   * The explainer artifact (`TrainingResult.explainer.bytes`), logged beside the ONNX model as
   * `model/explainer.json` so serving can answer SHAP contributions for the version. Without it
   * the version serves predictions only (explanations answer 422).
   */
  readonly explainerBytes?: Uint8Array;
  readonly inputSchema: readonly ColumnSpec[];
  /** The version's metrics (test split at the threshold, plus `val_*`). */
  readonly metrics: Readonly<Record<string, number>>;
  /** Decision threshold: churn when probability >= threshold. */
  readonly threshold: number;
  /** Run parameters (write-once): the model's hyperparameters and the pipeline's settings. */
  readonly params: Readonly<Record<string, string | number | boolean | null>>;
  /** Per-step run metrics (loss curves): key -> values by step. */
  readonly history?: Readonly<Record<string, readonly number[]>>;
  readonly tags?: Readonly<Record<string, string>>;
  readonly description?: string;
}

/**
 * A trained model the validation gate rejected: logged as a tracking run (the same params,
 * metrics, history, tags and artifacts as a registration logs), with no version.
 */
export interface RejectedModelInput extends Omit<
  RegisterVersionInput,
  'inputSchema' | 'threshold' | 'description'
> {
  /** The gate's blocking failures (1 to 100), as `mlops.model.rejected.v1` carries them. */
  readonly reasons: readonly GateFailure[];
}

export interface RegisteredVersion {
  readonly modelName: string;
  readonly version: number;
  readonly runId: string | null;
  readonly stage: Stage;
  readonly aliases: readonly string[];
  /** `sha256:<hex>` of the ONNX artifact. */
  readonly checksum: string | null;
  readonly algorithm: string | null;
  readonly inputSchema: readonly ColumnSpec[] | null;
  readonly metrics: Readonly<Record<string, number>>;
  readonly threshold: number | null;
  /** Epoch milliseconds. */
  readonly createdAt: number;
}

export interface TransitionOptions {
  /** Move the versions now in the target stage to Archived (default true for Staging and Production). */
  readonly archiveExisting?: boolean;
  readonly reason?: string;
  readonly actor?: string;
}

/**
 * What the `train` and `validate-model` commands need from a model registry: register a
 * version (with its tracking run and ONNX artifact), move it between stages, set aliases, read
 * a version and its artifact back. Implemented over the registry service's REST API
 * ({@link HttpModelRegistryClient}) and, for a laptop without the service, over the same registry
 * code on a SQLite file ({@link EmbeddedModelRegistryClient}).
 */
export interface ModelRegistryClient {
  /** Where the registry is, for messages: a URL or the SQLite file. */
  readonly location: string;
  registerVersion(input: RegisterVersionInput): Promise<RegisteredVersion>;
  /**
   * Logs a model the gate rejected as a FINISHED run tagged `gate.status: rejected` (and
   * `gate.reasons`: the failed checks, JSON) and registers nothing, as the training service does; with
   * an event bus (laptop mode) it also publishes `mlops.model.rejected.v1` with the reasons.
   * Returns the run id.
   */
  logRejectedModel(input: RejectedModelInput): Promise<{ readonly runId: string }>;
  transitionStage(
    modelName: string,
    version: number,
    stage: Stage,
    options?: TransitionOptions,
  ): Promise<RegisteredVersion>;
  setAlias(modelName: string, alias: string, version: number): Promise<RegisteredVersion>;
  getVersion(modelName: string, version: number): Promise<RegisteredVersion>;
  /** The newest version (highest number), or the newest in `stage`; null when there is none. */
  latestVersion(modelName: string, stage?: Stage): Promise<RegisteredVersion | null>;
  /** The ONNX bytes of a version, checked against its checksum. */
  getOnnx(modelName: string, version: number): Promise<Uint8Array>;
  /** Releases what the client holds (the embedded registry's file lock); call it when done. */
  close(): Promise<void>;
}

export function isStage(s: string): s is Stage {
  return (STAGES as readonly string[]).includes(s);
}

/**
 * The tags of a rejected model's run: the caller's, the algorithm, and the gate's `gate.status`
 * (rejected) and `gate.reasons`, spelled as `gateRunTags` spells them for every gated run.
 */
export function rejectedRunTags(input: RejectedModelInput): Record<string, string> {
  if (input.reasons.length < 1 || input.reasons.length > 100)
    throw new RangeError(`a rejected model has 1 to 100 gate failures, got ${input.reasons.length}`);
  return {
    ...(input.tags ?? {}),
    algorithm: input.algorithm,
    'gate.status': 'rejected',
    'gate.reasons': gateReasonsTag(input.reasons),
  };
}

/** A run's params as the registry's log-batch takes them: values as strings, null as MLflow's 'None'. */
export function runParamList(params: RegisterVersionInput['params']): { key: string; value: string }[] {
  return Object.entries(params).map(([key, value]) => ({
    key,
    value: value === null ? 'None' : String(value),
  }));
}

/** A run's metrics as log-batch takes them: each metric at step 0, each history by step; non-finite values left out. */
export function runMetricList(
  input: Pick<RegisterVersionInput, 'metrics' | 'history'>,
  timestamp: number,
): { key: string; value: number; step: number; timestamp: number }[] {
  const metrics: { key: string; value: number; step: number; timestamp: number }[] = [];
  for (const [key, value] of Object.entries(input.metrics))
    if (Number.isFinite(value)) metrics.push({ key, value, step: 0, timestamp });
  for (const [key, values] of Object.entries(input.history ?? {}))
    values.forEach((value, step) => {
      if (Number.isFinite(value)) metrics.push({ key, value, step, timestamp });
    });
  return metrics;
}

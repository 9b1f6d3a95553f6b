import type { ColumnSpec } from '@mlops/contracts';

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

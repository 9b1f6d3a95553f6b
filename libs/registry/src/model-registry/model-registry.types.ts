import type { KeyValue } from '../tracking/tracking.types.js';

export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];

export interface RegisteredModel {
  readonly name: string;
  readonly description: string | null;
  readonly creationTime: number;
  readonly lastUpdatedTime: number;
  readonly tags: readonly KeyValue[];
  readonly aliases: readonly { readonly alias: string; readonly version: number }[];
  /** Newest version of each stage that has one (MLflow's `latest_versions`). */
  readonly latestVersions: readonly ModelVersion[];
}

export interface ModelVersion {
  readonly name: string;
  readonly version: number;
  readonly source: string;
  readonly runId: string | null;
  readonly runLink: string | null;
  readonly description: string | null;
  readonly status: 'READY';
  readonly currentStage: Stage;
  readonly creationTime: number;
  readonly lastUpdatedTime: number;
  /** sha256 (hex) of the ONNX artifact in the content-addressed store. */
  readonly onnxDigest: string | null;
  /** `sha256:<hex>`, checked against the stored bytes at registration. */
  readonly checksum: string | null;
  readonly inputSchema: unknown;
  readonly metrics: Readonly<Record<string, number>> | null;
  readonly threshold: number | null;
  readonly tags: readonly KeyValue[];
  readonly aliases: readonly string[];
}

export type TransitionKind = 'transition' | 'archive-existing' | 'rollback';

export interface StageTransition {
  readonly name: string;
  readonly version: number;
  readonly fromStage: Stage;
  readonly toStage: Stage;
  readonly kind: TransitionKind;
  readonly actor: string;
  readonly reason: string;
  /** ISO time. */
  readonly at: string;
}

export interface NewModelVersion {
  readonly source: string;
  readonly runId: string | null;
  readonly runLink: string | null;
  readonly description: string | null;
  readonly onnxDigest: string | null;
  readonly checksum: string | null;
  readonly inputSchema: unknown;
  readonly metrics: Readonly<Record<string, number>> | null;
  readonly threshold: number | null;
  readonly tags: readonly KeyValue[];
}

import type { PayloadOf, TopicContract } from '@mlops/contracts';
import type { KeyValue } from '../tracking/tracking.types.js';
import type {
  ModelVersion,
  NewModelVersion,
  RegisteredModel,
  Stage,
  StageTransition,
  TransitionKind,
} from './model-registry.types.js';

/** An event to publish once the transaction that wrote it commits (the transactional outbox). */
export interface OutboxItem<T extends TopicContract = TopicContract> {
  readonly topic: T;
  readonly payload: PayloadOf<T>;
  readonly correlationId?: string;
}

/**
 * One registered model, locked (`SELECT ... FOR UPDATE` on its row) for the length of a
 * transaction: every change of versions, stages, aliases, history and outbox made through it
 * commits or rolls back together, and a second caller on the same model waits for the first.
 */
export interface LockedModel {
  readonly name: string;
  versions(): Promise<ModelVersion[]>;
  /** Allocates the next version number (last + 1) and inserts the version in stage None. */
  insertVersion(input: NewModelVersion, now: number): Promise<ModelVersion>;
  setStage(version: number, stage: Stage, now: number): Promise<void>;
  /** The version an alias names, or undefined. */
  aliasVersion(alias: string): Promise<number | undefined>;
  /** Points the alias at the version (an alias names one version per model: it moves). */
  setAlias(alias: string, version: number): Promise<void>;
  deleteAlias(alias: string): Promise<boolean>;
  recordTransitions(
    entries: readonly {
      version: number;
      fromStage: Stage;
      toStage: Stage;
      kind: TransitionKind;
      actor: string;
      reason: string;
    }[],
  ): Promise<void>;
  /** The model's stage history, oldest first. */
  history(): Promise<StageTransition[]>;
  enqueue(item: OutboxItem): Promise<void>;
}

/** Persistence of the model registry; `TypeOrmModelRegistryStore` on PostgreSQL, fakes in unit tests. */
export abstract class ModelRegistryStore {
  /** Creates the model; false when the name exists. */
  abstract createModel(
    input: { name: string; description: string | null; tags: readonly KeyValue[] },
    now: number,
  ): Promise<boolean>;
  abstract getModel(name: string): Promise<RegisteredModel | undefined>;
  /** Models whose name matches the SQL LIKE pattern (all when undefined), by name, at most maxResults + 1. */
  abstract searchModels(query: {
    nameLike?: { pattern: string; caseInsensitive: boolean } | undefined;
    maxResults: number;
    offset: number;
  }): Promise<RegisteredModel[]>;
  abstract updateModel(name: string, patch: { description?: string | null }, now: number): Promise<boolean>;
  abstract deleteModel(name: string): Promise<boolean>;
  abstract setModelTag(name: string, tag: KeyValue): Promise<void>;
  abstract getVersion(name: string, version: number): Promise<ModelVersion | undefined>;
  abstract searchVersions(query: {
    name?: string | undefined;
    runId?: string | undefined;
    maxResults: number;
    offset: number;
  }): Promise<ModelVersion[]>;
  abstract setVersionTag(name: string, version: number, tag: KeyValue): Promise<void>;
  abstract updateVersion(name: string, version: number, patch: { description?: string | null }, now: number): Promise<boolean>;
  abstract deleteVersion(name: string, version: number): Promise<boolean>;
  /**
   * Runs `work` in one transaction holding the model's row lock; undefined (and no transaction
   * work) when the model does not exist.
   */
  abstract withModelLock<T>(name: string, work: (model: LockedModel) => Promise<T>): Promise<T | undefined>;
  abstract history(name: string): Promise<StageTransition[]>;
}

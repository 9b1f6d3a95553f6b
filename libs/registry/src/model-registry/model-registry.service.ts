import { Injectable } from '@nestjs/common';
import { modelAliasSchema, modelNameSchema, topics } from '@mlops/contracts';
import { RegistryError, RegistryErrorCode } from '../registry.error.js';
import type { KeyValue } from '../tracking/tracking.types.js';
import { ModelRegistryStore, type LockedModel } from './model-registry.store.js';
import {
  STAGES,
  type ModelVersion,
  type NewModelVersion,
  type RegisteredModel,
  type Stage,
  type StageTransition,
} from './model-registry.types.js';

/** Publishes what committed transactions wrote to the outbox (see OutboxRelay). */
export abstract class OutboxFlusher {
  abstract flush(): Promise<void>;
}

/** Resolves and checks the ONNX artifact of a new version in the artifact store. */
export abstract class ArtifactDigests {
  /** The digest stored at a run's artifact path, or undefined. */
  abstract digestOf(runId: string, path: string): Promise<string | undefined>;
  /** Whether the content-addressed store holds this digest. */
  abstract has(digest: string): Promise<boolean>;
}

/** Aliases MLflow reserves (`latest`, and `v<digits>` which would shadow version references). */
const RESERVED_ALIAS = /^(latest|v\d+)$/i;
const SHA256 = /^[0-9a-f]{64}$/;

export interface CreateVersionInput {
  readonly source?: string | undefined;
  readonly runId?: string | undefined;
  readonly runLink?: string | undefined;
  readonly description?: string | undefined;
  /** sha256 of the ONNX bytes already in the store, or give `onnxArtifactPath` of the run. */
  readonly onnxDigest?: string | undefined;
  readonly onnxArtifactPath?: string | undefined;
  /** `sha256:<hex>` (or bare hex) expected for the ONNX bytes; a mismatch is refused. */
  readonly checksum?: string | undefined;
  readonly inputSchema?: unknown;
  readonly metrics?: Readonly<Record<string, number>> | undefined;
  readonly threshold?: number | undefined;
  readonly tags?: readonly KeyValue[] | undefined;
}

export interface TransitionInput {
  readonly stage: string;
  readonly archiveExistingVersions?: boolean | undefined;
  readonly actor?: string | undefined;
  readonly reason?: string | undefined;
}

export interface RollbackResult {
  readonly stage: 'Staging' | 'Production';
  readonly fromVersion: number;
  readonly toVersion: ModelVersion;
}

/**
 * The model registry's rules. Every change of one model runs under its row lock (one transaction,
 * `SELECT ... FOR UPDATE` on the registered model), so two promotions of the same model serialize:
 * with `archive_existing_versions` the stage ends with exactly one version, and every change is in
 * the history (who, when, why). Events (modelPromoted, modelRolledBack) go to the outbox in the same
 * transaction and are published after it commits.
 */
@Injectable()
export class ModelRegistryService {
  constructor(
    private readonly store: ModelRegistryStore,
    private readonly outbox: OutboxFlusher,
    private readonly artifacts: ArtifactDigests,
  ) {}

  async createModel(name: string, description?: string, tags: readonly KeyValue[] = []): Promise<RegisteredModel> {
    checkModelName(name);
    const created = await this.store.createModel({ name, description: description ?? null, tags }, Date.now());
    if (!created) throw RegistryError.exists(`Registered Model (name=${name}) already exists.`);
    return this.getModel(name);
  }

  async getModel(name: string): Promise<RegisteredModel> {
    const model = await this.store.getModel(name);
    if (model === undefined) throw modelNotFound(name);
    return model;
  }

  searchModels(query: {
    nameLike?: { pattern: string; caseInsensitive: boolean } | undefined;
    maxResults: number;
    offset: number;
  }): Promise<RegisteredModel[]> {
    return this.store.searchModels(query);
  }

  async updateModel(name: string, description: string | undefined): Promise<RegisteredModel> {
    const found = await this.store.updateModel(name, description === undefined ? {} : { description }, Date.now());
    if (!found) throw modelNotFound(name);
    return this.getModel(name);
  }

  async deleteModel(name: string): Promise<void> {
    if (!(await this.store.deleteModel(name))) throw modelNotFound(name);
  }

  async setModelTag(name: string, tag: KeyValue): Promise<void> {
    await this.getModel(name);
    await this.store.setModelTag(name, tag);
  }

  /** Registers the next version (last + 1, allocated under the model lock) in stage None, status READY. */
  async createVersion(name: string, input: CreateVersionInput): Promise<ModelVersion> {
    let onnxDigest = input.onnxDigest ?? null;
    if (onnxDigest === null && input.onnxArtifactPath !== undefined) {
      if (input.runId === undefined) {
        throw RegistryError.invalid('onnxArtifactPath needs runId: the path is looked up among the artifacts of that run');
      }
      onnxDigest = (await this.artifacts.digestOf(input.runId, input.onnxArtifactPath)) ?? null;
      if (onnxDigest === null) {
        throw RegistryError.notFound(`Run '${input.runId}' has no artifact at '${input.onnxArtifactPath}': upload it first`);
      }
    }
    let checksum: string | null = null;
    if (onnxDigest !== null) {
      if (!SHA256.test(onnxDigest)) throw RegistryError.invalid(`onnxDigest '${onnxDigest}' is not a lower-case sha256 hex digest`);
      if (!(await this.artifacts.has(onnxDigest))) {
        throw RegistryError.notFound(`No artifact with digest ${onnxDigest} in the store: upload the ONNX file first`);
      }
      checksum = `sha256:${onnxDigest}`;
      if (input.checksum !== undefined && input.checksum.replace(/^sha256:/, '') !== onnxDigest) {
        throw RegistryError.invalid(`checksum ${input.checksum} does not match the stored ONNX artifact (sha256:${onnxDigest})`);
      }
    }
    if (input.threshold !== undefined && !(input.threshold >= 0 && input.threshold <= 1)) {
      throw RegistryError.invalid(`threshold ${String(input.threshold)} must be a probability in [0, 1]`);
    }
    const version: NewModelVersion = {
      source: input.source ?? '',
      runId: input.runId || null,
      runLink: input.runLink || null,
      description: input.description || null,
      onnxDigest,
      checksum,
      inputSchema: input.inputSchema ?? null,
      metrics: input.metrics ?? null,
      threshold: input.threshold ?? null,
      tags: input.tags ?? [],
    };
    const created = await this.store.withModelLock(name, (m) => m.insertVersion(version, Date.now()));
    if (created === undefined) throw modelNotFound(name);
    return created;
  }

  async getVersion(name: string, version: number): Promise<ModelVersion> {
    const found = await this.store.getVersion(name, version);
    if (found === undefined) throw versionNotFound(name, version);
    return found;
  }

  searchVersions(query: { name?: string; runId?: string; maxResults: number; offset: number }): Promise<ModelVersion[]> {
    return this.store.searchVersions(query);
  }

  async updateVersion(name: string, version: number, description: string | undefined): Promise<ModelVersion> {
    const found = await this.store.updateVersion(name, version, description === undefined ? {} : { description }, Date.now());
    if (!found) throw versionNotFound(name, version);
    return this.getVersion(name, version);
  }

  async deleteVersion(name: string, version: number): Promise<void> {
    if (!(await this.store.deleteVersion(name, version))) throw versionNotFound(name, version);
  }

  async setVersionTag(name: string, version: number, tag: KeyValue): Promise<void> {
    await this.getVersion(name, version);
    await this.store.setVersionTag(name, version, tag);
  }

  /**
   * Moves a version to a stage. With `archiveExistingVersions` (only for Staging and Production),
   * every other version in that stage goes to Archived in the same transaction. Records each change
   * in the history and enqueues modelPromoted when the stage changed.
   */
  async transitionStage(name: string, version: number, input: TransitionInput): Promise<ModelVersion> {
    const stage = parseStage(input.stage);
    const archive = input.archiveExistingVersions === true;
    const actor = actorOf(input.actor);
    const reason = input.reason?.trim() || `transition to ${stage}`;
    const result = await this.store.withModelLock(name, async (m) => {
      const versions = await m.versions();
      const target = versions.find((v) => v.version === version);
      if (target === undefined) throw versionNotFound(name, version);
      const now = Date.now();
      const fromStage = target.currentStage;
      const entries = [];
      const archived: number[] = [];
      if (fromStage !== stage) {
        await m.setStage(version, stage, now);
        entries.push({ version, fromStage, toStage: stage, kind: 'transition' as const, actor, reason });
      }
      if (archive && (stage === 'Staging' || stage === 'Production')) {
        for (const other of versions) {
          if (other.version !== version && other.currentStage === stage) {
            await m.setStage(other.version, 'Archived', now);
            archived.push(other.version);
            entries.push({
              version: other.version,
              fromStage: stage,
              toStage: 'Archived' as const,
              kind: 'archive-existing' as const,
              actor,
              reason: `archived by the transition of version ${version} to ${stage}`,
            });
          }
        }
      }
      await m.recordTransitions(entries);
      if (fromStage !== stage) {
        await m.enqueue({
          topic: topics.modelPromoted,
          payload: {
            modelName: name,
            version,
            fromStage,
            toStage: stage,
            ...(archived.length > 0 ? { archivedVersions: archived } : {}),
            promotedBy: actor,
            reason,
          },
        });
      }
      return (await m.versions()).find((v) => v.version === version) as ModelVersion;
    });
    if (result === undefined) throw modelNotFound(name);
    await this.outbox.flush();
    return result;
  }

  /** Points an alias (`champion`, `challenger`) at a version; the alias leaves any other version. */
  async setAlias(name: string, alias: string, version: number, actor?: string): Promise<void> {
    const parsed = modelAliasSchema.safeParse(alias);
    if (!parsed.success || RESERVED_ALIAS.test(alias)) {
      throw RegistryError.invalid(
        `Invalid alias '${alias}': lower-case letters first, then a-z 0-9 _ - (at most 64); 'latest' and 'v<number>' are reserved`,
      );
    }
    const done = await this.store.withModelLock(name, async (m) => {
      const target = (await m.versions()).find((v) => v.version === version);
      if (target === undefined) throw versionNotFound(name, version);
      if ((await m.aliasVersion(alias)) === version) return;
      await m.setAlias(alias, version);
      await m.enqueue({
        topic: topics.modelPromoted,
        payload: {
          modelName: name,
          version,
          fromStage: target.currentStage,
          toStage: target.currentStage,
          alias,
          promotedBy: actorOf(actor),
          reason: `alias ${alias} set to version ${version}`,
        },
      });
    });
    if (done === undefined && (await this.store.getModel(name)) === undefined) throw modelNotFound(name);
    await this.outbox.flush();
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    const deleted = await this.store.withModelLock(name, (m) => m.deleteAlias(alias));
    if (deleted === undefined) throw modelNotFound(name);
    if (!deleted) throw RegistryError.notFound(`Registered model alias ${alias} not found.`);
  }

  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const model = await this.getModel(name);
    const entry = model.aliases.find((a) => a.alias === alias);
    if (entry === undefined) throw RegistryError.notFound(`Registered model alias ${alias} not found.`);
    return this.getVersion(name, entry.version);
  }

  /**
   * Rolls a stage back in one call: the version now in the stage goes to Archived and the version
   * that held the stage before it comes back, in one transaction under the model lock; both
   * changes go to the history (kind `rollback`) and modelRolledBack to the outbox. The `champion`
   * alias follows when it named the rolled-back version. Versions that were themselves rolled back
   * out of the stage are skipped, so a second rollback goes further back instead of re-promoting
   * the bad version.
   * @throws INVALID_STATE when no version is in the stage or none held it before.
   */
  async rollback(
    name: string,
    input: { stage?: string | undefined; actor?: string | undefined; reason?: string | undefined } = {},
  ): Promise<RollbackResult> {
    const stage = parseStage(input.stage ?? 'Production');
    if (stage !== 'Production' && stage !== 'Staging') {
      throw RegistryError.invalid(`Only Staging and Production can be rolled back, not ${stage}`);
    }
    const actor = actorOf(input.actor);
    const reason = input.reason?.trim() || `rollback of ${stage}`;
    const result = await this.store.withModelLock(name, async (m) => {
      const versions = await m.versions();
      const history = await m.history();
      const current = currentHolder(versions, stage);
      if (current === undefined) {
        throw new RegistryError(RegistryErrorCode.InvalidState, `No version of ${name} is in ${stage}: nothing to roll back`);
      }
      const previous = previousHolder(history, versions, stage, current.version);
      if (previous === undefined) {
        throw new RegistryError(
          RegistryErrorCode.InvalidState,
          `No earlier ${stage} version of ${name} to roll back to (version ${current.version} is the first, or the earlier ones were rolled back)`,
        );
      }
      const now = Date.now();
      await m.setStage(current.version, 'Archived', now);
      await m.setStage(previous.version, stage, now);
      await m.recordTransitions([
        { version: current.version, fromStage: stage, toStage: 'Archived', kind: 'rollback', actor, reason },
        { version: previous.version, fromStage: previous.currentStage, toStage: stage, kind: 'rollback', actor, reason },
      ]);
      if ((await m.aliasVersion('champion')) === current.version) await m.setAlias('champion', previous.version);
      await m.enqueue({
        topic: topics.modelRolledBack,
        payload: { modelName: name, fromVersion: current.version, toVersion: previous.version, stage, reason, actor },
      });
      const restored = (await m.versions()).find((v) => v.version === previous.version) as ModelVersion;
      return { stage, fromVersion: current.version, toVersion: restored };
    });
    if (result === undefined) throw modelNotFound(name);
    await this.outbox.flush();
    return result;
  }

  async history(name: string): Promise<StageTransition[]> {
    await this.getModel(name);
    return this.store.history(name);
  }

  /** The newest version in a stage (by last change), or undefined. */
  async latestInStage(name: string, stage: string): Promise<ModelVersion | undefined> {
    const parsed = parseStage(stage);
    const model = await this.getModel(name);
    return model.latestVersions.find((v) => v.currentStage === parsed);
  }
}

/** The version holding a stage: the most recently changed one if several do (no archive-existing). */
function currentHolder(versions: readonly ModelVersion[], stage: Stage): ModelVersion | undefined {
  return versions
    .filter((v) => v.currentStage === stage)
    .sort((a, b) => b.lastUpdatedTime - a.lastUpdatedTime || b.version - a.version)[0];
}

/**
 * The version that held `stage` before `current` entered it: walk the history back from current's
 * latest entry into the stage, skipping versions a rollback took out of the stage, versions deleted
 * since, and versions now in the stage.
 */
export function previousHolder(
  history: readonly StageTransition[],
  versions: readonly ModelVersion[],
  stage: Stage,
  current: number,
): ModelVersion | undefined {
  const rolledBack = new Set(
    history.filter((h) => h.kind === 'rollback' && h.fromStage === stage).map((h) => h.version),
  );
  let start = history.length - 1;
  while (start >= 0 && !(history[start]?.version === current && history[start]?.toStage === stage)) start--;
  for (let i = start - 1; i >= 0; i--) {
    const h = history[i] as StageTransition;
    if (h.toStage !== stage || h.version === current || rolledBack.has(h.version)) continue;
    const candidate = versions.find((v) => v.version === h.version);
    if (candidate !== undefined && candidate.currentStage !== stage) return candidate;
  }
  return undefined;
}

function parseStage(stage: string): Stage {
  const found = STAGES.find((s) => s.toLowerCase() === String(stage).toLowerCase());
  if (found === undefined) {
    throw RegistryError.invalid(`Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(', ')}.`);
  }
  return found;
}

function actorOf(actor: string | undefined): string {
  const trimmed = actor?.trim();
  return trimmed ? trimmed.slice(0, 128) : 'unknown';
}

function checkModelName(name: string): void {
  if (!modelNameSchema.safeParse(name).success) {
    throw RegistryError.invalid(
      `Invalid registered model name '${name}': letters, digits, _ . - (a letter or digit first, at most 128), so that it can key the registry's events`,
    );
  }
}

function modelNotFound(name: string): RegistryError {
  return RegistryError.notFound(`Registered Model with name=${name} not found`);
}

function versionNotFound(name: string, version: number): RegistryError {
  return RegistryError.notFound(`Model Version (name=${name}, version=${version}) not found`);
}

/** Used by LockedModel implementations. */
export type { LockedModel };

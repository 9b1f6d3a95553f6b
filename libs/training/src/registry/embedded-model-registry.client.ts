import { join, resolve } from 'node:path';
import { algorithmSchema, topics } from '@mlops/contracts';
import type { EventPublisher } from '@mlops/messaging';
import {
  ARTIFACT_SCHEME_PREFIX,
  RegistryError,
  RegistryErrorCode,
  openEmbeddedRegistry,
  type EmbeddedRegistry,
  type Experiment,
  type ModelVersion,
  type RunInfo,
  type StageTransition,
} from '@mlops/registry';
import { sha256Hex } from '../digest.js';
import { EXPLAINER_ARTIFACT_PATH } from '../explain/explainer-artifact.js';
import { TrainingError, TrainingErrorCode } from '../training.error.js';
import { toVersion } from './http-model-registry.client.js';
import {
  rejectedRunTags,
  runMetricList,
  runParamList,
  type ModelRegistryClient,
  type RegisterVersionInput,
  type RegisteredVersion,
  type RejectedModelInput,
  type Stage,
  type TransitionOptions,
} from './model-registry.client.js';

/** Limits of the registry's log-batch (MLflow's): params and metrics per call. */
const MAX_PARAMS = 100;
const MAX_METRICS = 1000;
const ONNX_ARTIFACT_PATH = 'model/model.onnx';

export interface EmbeddedModelRegistryOptions {
  /** Folder of the laptop registry: `registry.sqlite` and the content-addressed `artifacts/`. */
  readonly directory: string;
  /** Who changes stages and aliases (the history's actor); default `mlops-cli`. */
  readonly actor?: string;
  /**
   * The in-process bus: the registry's outbox events (`mlops.model.promoted.v1`, ...) are relayed
   * to it, and `mlops.model.registered.v1` is published after a registration, as the training
   * service does on Kafka. Without it no event leaves the registry's outbox.
   */
  readonly events?: EventPublisher;
  /** Problems that do not fail the call (an event that could not be published). */
  readonly onWarning?: (message: string) => void;
  /** How long to wait for another command that has the registry open (default 30 s). */
  readonly lockTimeoutMs?: number;
}

/**
 * {@link ModelRegistryClient} on the embedded registry (libs/registry's `openEmbeddedRegistry`):
 * the registry service's own TrackingService, ModelRegistryService and ArtifactsService on a
 * SQLite file (sql.js), with the same rules, history and events, for a machine with nothing but
 * Node. It does what {@link HttpModelRegistryClient} asks of the service, call for call: a tracking
 * run with params, metrics and the ONNX artifact (and the explainer), then the next version of
 * the model from the run's artifact.
 *
 * The file is opened on the first call and stays locked until {@link close}: call it when done.
 */
export class EmbeddedModelRegistryClient implements ModelRegistryClient {
  readonly location: string;
  private readonly actor: string;
  private opening: Promise<EmbeddedRegistry> | undefined;

  constructor(private readonly options: EmbeddedModelRegistryOptions) {
    this.location = resolve(options.directory, 'registry.sqlite');
    this.actor = options.actor ?? 'mlops-cli';
  }

  async registerVersion(input: RegisterVersionInput): Promise<RegisteredVersion> {
    const r = await this.registry();
    const tags = keyValues({ ...(input.tags ?? {}), algorithm: input.algorithm });
    const version = await call(async () => {
      const runId = await this.logRun(r, input, tags);
      await r.models.createModel(input.modelName).catch((e: unknown) => {
        if (!(e instanceof RegistryError && e.code === RegistryErrorCode.ResourceAlreadyExists)) throw e;
      });
      return r.models.createVersion(input.modelName, {
        source: `runs:/${runId}/${ONNX_ARTIFACT_PATH}`,
        runId,
        onnxArtifactPath: ONNX_ARTIFACT_PATH,
        checksum: `sha256:${input.sha256}`,
        inputSchema: input.inputSchema,
        metrics: finite(input.metrics),
        threshold: input.threshold,
        description: input.description,
        tags,
      });
    });
    await this.announce(version, input);
    return view(version);
  }

  /** The run, then `mlops.model.rejected.v1` on the bus (when there is one), as the training service does on Kafka. */
  async logRejectedModel(input: RejectedModelInput): Promise<{ readonly runId: string }> {
    const r = await this.registry();
    const runId = await call(() => this.logRun(r, input, keyValues(rejectedRunTags(input))));
    await this.publishOrWarn(`${topics.modelRejected.name} for ${input.modelName} (run ${runId})`, (events) =>
      events.publish(topics.modelRejected, {
        modelName: input.modelName,
        runId,
        reasons: [...input.reasons],
      }),
    );
    return { runId };
  }

  /** A FINISHED tracking run with the params, metrics, history and artifacts of `input` (FAILED if a step fails). */
  private async logRun(
    r: EmbeddedRegistry,
    input: RegisterVersionInput | RejectedModelInput,
    tags: { key: string; value: string }[],
  ): Promise<string> {
    if (sha256Hex(input.onnxBytes) !== input.sha256)
      throw new TrainingError(
        `sha256 ${input.sha256} does not match the ONNX bytes given: pass the digest of these bytes`,
      );
    const experiment = await this.experiment(r, input.experimentName);
    const run = await r.tracking.createRun({
      experimentId: experiment.experimentId,
      runName: input.runName,
      userId: this.actor,
      tags,
    });
    const runId = run.info.runId;
    try {
      const params = runParamList(input.params);
      for (let i = 0; i < params.length; i += MAX_PARAMS)
        await r.tracking.logBatch(runId, { params: params.slice(i, i + MAX_PARAMS) });
      const metrics = runMetricList(input, Date.now());
      for (let i = 0; i < metrics.length; i += MAX_METRICS)
        await r.tracking.logBatch(runId, { metrics: metrics.slice(i, i + MAX_METRICS) });
      const root = artifactRoot(run.info);
      const stored = await r.artifacts.put(`${root}/${ONNX_ARTIFACT_PATH}`, Buffer.from(input.onnxBytes));
      if (stored.digest !== input.sha256)
        throw new TrainingError(
          `the registry stored the ONNX artifact as ${stored.digest}, expected ${input.sha256}`,
          TrainingErrorCode.RegistryError,
        );
      if (input.explainerBytes !== undefined)
        await r.artifacts.put(`${root}/${EXPLAINER_ARTIFACT_PATH}`, Buffer.from(input.explainerBytes));
      await r.tracking.updateRun(runId, { status: 'FINISHED', endTime: Date.now() });
    } catch (e) {
      await r.tracking.updateRun(runId, { status: 'FAILED', endTime: Date.now() }).catch(() => undefined);
      throw e;
    }
    return runId;
  }

  async transitionStage(
    modelName: string,
    version: number,
    stage: Stage,
    options: TransitionOptions = {},
  ): Promise<RegisteredVersion> {
    const r = await this.registry();
    return view(
      await call(() =>
        r.models.transitionStage(modelName, version, {
          stage,
          archiveExistingVersions: options.archiveExisting ?? (stage === 'Staging' || stage === 'Production'),
          reason: options.reason,
          actor: options.actor ?? this.actor,
        }),
      ),
    );
  }

  async setAlias(modelName: string, alias: string, version: number): Promise<RegisteredVersion> {
    const r = await this.registry();
    return view(
      await call(async () => {
        await r.models.setAlias(modelName, alias, version, this.actor);
        return r.models.getVersion(modelName, version);
      }),
    );
  }

  async getVersion(modelName: string, version: number): Promise<RegisteredVersion> {
    const r = await this.registry();
    return view(await call(() => r.models.getVersion(modelName, version)));
  }

  async latestVersion(modelName: string, stage?: Stage): Promise<RegisteredVersion | null> {
    const r = await this.registry();
    try {
      if (stage !== undefined) {
        const found = await r.models.latestInStage(modelName, stage);
        return found === undefined ? null : view(found);
      }
      const [newest] = await r.models.searchVersions({ name: modelName, maxResults: 1, offset: 0 });
      return newest === undefined ? null : view(newest);
    } catch (e) {
      if (e instanceof RegistryError && e.code === RegistryErrorCode.ResourceDoesNotExist) return null;
      throw translate(e);
    }
  }

  async getOnnx(modelName: string, version: number): Promise<Uint8Array> {
    const r = await this.registry();
    return call(async () => {
      const v = await r.models.getVersion(modelName, version);
      if (v.onnxDigest === null)
        throw new TrainingError(
          `${modelName} version ${version} has no ONNX artifact`,
          TrainingErrorCode.NotFound,
        );
      const chunks: Buffer[] = [];
      for await (const chunk of await r.artifacts.openDigest(v.onnxDigest)) chunks.push(chunk as Buffer);
      const bytes = new Uint8Array(Buffer.concat(chunks));
      if (`sha256:${sha256Hex(bytes)}` !== v.checksum)
        throw new TrainingError(
          `the ONNX bytes of ${modelName} version ${version} do not match their checksum ${v.checksum}`,
          TrainingErrorCode.RegistryError,
        );
      return bytes;
    });
  }

  /** The model's stage history (who, when, why), oldest first. */
  async history(modelName: string): Promise<StageTransition[]> {
    const r = await this.registry();
    return call(() => r.models.history(modelName));
  }

  /** Closes the SQLite file (every change is already saved) and releases its lock. */
  async close(): Promise<void> {
    const opening = this.opening;
    this.opening = undefined;
    if (opening !== undefined) await (await opening).close();
  }

  private registry(): Promise<EmbeddedRegistry> {
    this.opening ??= openEmbeddedRegistry({
      path: this.location,
      artifactsDir: join(resolve(this.options.directory), 'artifacts'),
      ...(this.options.events !== undefined ? { events: this.options.events } : {}),
      ...(this.options.onWarning !== undefined ? { onWarning: this.options.onWarning } : {}),
      ...(this.options.lockTimeoutMs !== undefined ? { lockTimeoutMs: this.options.lockTimeoutMs } : {}),
    }).catch((e: unknown) => {
      this.opening = undefined;
      throw new TrainingError(
        `cannot open the laptop registry ${this.location}: ${e instanceof Error ? e.message : String(e)}`,
        TrainingErrorCode.RegistryError,
      );
    });
    return this.opening;
  }

  private async experiment(r: EmbeddedRegistry, name: string): Promise<Experiment> {
    try {
      return await r.tracking.getExperimentByName(name);
    } catch (e) {
      if (!(e instanceof RegistryError && e.code === RegistryErrorCode.ResourceDoesNotExist)) throw e;
      return r.tracking.createExperiment(name);
    }
  }

  /** `mlops.model.registered.v1`, as the training service publishes it after registering. */
  private async announce(v: ModelVersion, input: RegisterVersionInput): Promise<void> {
    const runId = v.runId;
    if (runId === null) return;
    await this.publishOrWarn(`${topics.modelRegistered.name} for ${v.name} version ${v.version}`, (events) =>
      events.publish(topics.modelRegistered, {
        modelName: v.name,
        version: v.version,
        runId,
        algorithm: algorithmSchema.parse(input.algorithm),
        artifactUri: `cas:sha256/${input.sha256}`,
        checksum: input.sha256,
        inputSchema: [...input.inputSchema],
        metrics: finite(input.metrics),
        threshold: input.threshold,
        registeredAt: new Date(v.creationTime).toISOString(),
      }),
    );
  }

  /** Publishes on the bus when there is one; a failure is a warning (`what ... not published: why`), never the call's error. */
  private async publishOrWarn(
    what: string,
    publish: (events: EventPublisher) => Promise<unknown>,
  ): Promise<void> {
    if (this.options.events === undefined) return;
    try {
      await publish(this.options.events);
    } catch (e) {
      this.options.onWarning?.(`${what} not published: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

/** The run's folder in the artifact map (`<experiment>/<run>/artifacts`), as the registry service's REST route computes it. */
function artifactRoot(info: RunInfo): string {
  if (info.artifactUri.startsWith(ARTIFACT_SCHEME_PREFIX))
    return info.artifactUri.slice(ARTIFACT_SCHEME_PREFIX.length).replace(/^\/+/, '');
  return `${info.experimentId}/${info.runId}/artifacts`;
}

function view(v: ModelVersion): RegisteredVersion {
  return toVersion({ ...v });
}

function keyValues(r: Readonly<Record<string, string>>): { key: string; value: string }[] {
  return Object.entries(r).map(([key, value]) => ({ key, value }));
}

function finite(r: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => Number.isFinite(v)));
}

/** Runs a registry call; its RegistryError becomes a TrainingError (NOT_FOUND kept), as the HTTP client reports it. */
async function call<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    throw translate(e);
  }
}

function translate(e: unknown): unknown {
  if (!(e instanceof RegistryError)) return e;
  return new TrainingError(
    `registry: ${e.code}: ${e.message}`,
    e.code === RegistryErrorCode.ResourceDoesNotExist
      ? TrainingErrorCode.NotFound
      : TrainingErrorCode.RegistryError,
  );
}

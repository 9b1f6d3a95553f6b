import { mkdir, open, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ColumnSpec } from '@mlops/contracts';
import { sha256Hex } from '../digest.js';
import { TrainingError, TrainingErrorCode } from '../training.error.js';
import type {
  ModelRegistryClient,
  RegisterVersionInput,
  RegisteredVersion,
  Stage,
  TransitionOptions,
} from './model-registry.client.js';

interface StoredVersion {
  version: number;
  runId: string;
  stage: Stage;
  algorithm: string;
  sha256: string;
  /** Artifact file, relative to the registry directory. */
  artifact: string;
  /** The explainer artifact file (`artifacts/sha256/<hex>.json`), when one was logged. */
  explainer?: string;
  inputSchema: ColumnSpec[];
  metrics: Record<string, number>;
  threshold: number;
  params: Record<string, string | number | boolean | null>;
  history: Record<string, number[]>;
  tags: Record<string, string>;
  description: string | null;
  experiment: string;
  runName: string;
  createdAt: number;
}

interface StoredTransition {
  version: number;
  from: Stage;
  to: Stage;
  kind: 'transition' | 'archive-existing';
  actor: string;
  reason: string;
  at: string;
}

interface StoredModel {
  versions: StoredVersion[];
  aliases: Record<string, number>;
  history: StoredTransition[];
}

interface RegistryFile {
  formatVersion: 1;
  models: Record<string, StoredModel>;
}

const FILE = 'registry.json';
const LOCK = 'registry.lock';
const STALE_LOCK_MS = 30_000;
const LOCK_WAIT_MS = 15_000;

/**
 * A model registry in a directory (default `.local/registry/`), for a laptop with no registry
 * service: `registry.json` holds models, versions (run id, stage, metrics, threshold, input
 * schema, checksum), aliases and the transition history; ONNX artifacts are content-addressed
 * files `artifacts/sha256/<hex>.onnx`. Every change is read-modify-write under an exclusive lock
 * file and lands by writing a temporary file and renaming it over `registry.json` (atomic on one
 * file system), so a crash never leaves a half-written registry and two processes do not lose
 * each other's versions.
 */
export class LocalModelRegistryClient implements ModelRegistryClient {
  readonly location: string;

  constructor(directory: string) {
    this.location = resolve(directory);
  }

  async registerVersion(input: RegisterVersionInput): Promise<RegisteredVersion> {
    if (sha256Hex(input.onnxBytes) !== input.sha256)
      throw new TrainingError(
        `sha256 ${input.sha256} does not match the ONNX bytes given: pass the digest of these bytes`,
      );
    const rel = join('artifacts', 'sha256', `${input.sha256}.onnx`);
    await mkdir(join(this.location, 'artifacts', 'sha256'), { recursive: true });
    const path = join(this.location, rel);
    if (!(await exists(path))) await atomicWrite(path, input.onnxBytes);
    let explainer: string | undefined;
    if (input.explainerBytes !== undefined) {
      explainer = join('artifacts', 'sha256', `${sha256Hex(input.explainerBytes)}.json`);
      if (!(await exists(join(this.location, explainer))))
        await atomicWrite(join(this.location, explainer), input.explainerBytes);
    }
    return this.update((file) => {
      const model = (file.models[input.modelName] ??= { versions: [], aliases: {}, history: [] });
      const version = model.versions.reduce((m, v) => Math.max(m, v.version), 0) + 1;
      const stored: StoredVersion = {
        version,
        runId: randomRunId(),
        stage: 'None',
        algorithm: input.algorithm,
        sha256: input.sha256,
        artifact: rel,
        ...(explainer !== undefined ? { explainer } : {}),
        inputSchema: [...input.inputSchema],
        metrics: { ...input.metrics },
        threshold: input.threshold,
        params: { ...input.params },
        history: Object.fromEntries(Object.entries(input.history ?? {}).map(([k, v]) => [k, [...v]])),
        tags: { ...(input.tags ?? {}) },
        description: input.description ?? null,
        experiment: input.experimentName,
        runName: input.runName,
        createdAt: Date.now(),
      };
      model.versions.push(stored);
      return view(input.modelName, model, stored);
    });
  }

  async transitionStage(
    modelName: string,
    version: number,
    stage: Stage,
    options: TransitionOptions = {},
  ): Promise<RegisteredVersion> {
    const archive = options.archiveExisting ?? (stage === 'Staging' || stage === 'Production');
    const actor = options.actor ?? 'mlops-cli';
    const reason = options.reason ?? '';
    return this.update((file) => {
      const model = file.models[modelName];
      const v = model ? findVersion(model, modelName, version) : notFoundModel(modelName);
      const at = new Date().toISOString();
      if (archive && stage !== 'None' && stage !== 'Archived') {
        for (const other of model!.versions) {
          if (other.version !== version && other.stage === stage) {
            model!.history.push({
              version: other.version,
              from: other.stage,
              to: 'Archived',
              kind: 'archive-existing',
              actor,
              reason: `archived by the transition of version ${version} to ${stage}`,
              at,
            });
            other.stage = 'Archived';
          }
        }
      }
      if (v.stage !== stage) {
        model!.history.push({ version, from: v.stage, to: stage, kind: 'transition', actor, reason, at });
        v.stage = stage;
      }
      return view(modelName, model!, v);
    });
  }

  async setAlias(modelName: string, alias: string, version: number): Promise<RegisteredVersion> {
    if (!/^[a-z][a-z0-9_-]{0,63}$/.test(alias))
      throw new TrainingError(`alias '${alias}' must be a lower-case name such as champion or challenger`);
    return this.update((file) => {
      const model = file.models[modelName] ?? notFoundModel(modelName);
      const v = findVersion(model, modelName, version);
      model.aliases[alias] = version;
      return view(modelName, model, v);
    });
  }

  async getVersion(modelName: string, version: number): Promise<RegisteredVersion> {
    const file = await this.read();
    const model = file.models[modelName] ?? notFoundModel(modelName);
    return view(modelName, model, findVersion(model, modelName, version));
  }

  async latestVersion(modelName: string, stage?: Stage): Promise<RegisteredVersion | null> {
    const model = (await this.read()).models[modelName];
    if (!model) return null;
    let best: StoredVersion | null = null;
    for (const v of model.versions)
      if ((stage === undefined || v.stage === stage) && (best === null || v.version > best.version)) best = v;
    return best === null ? null : view(modelName, model, best);
  }

  async getOnnx(modelName: string, version: number): Promise<Uint8Array> {
    const file = await this.read();
    const model = file.models[modelName] ?? notFoundModel(modelName);
    const v = findVersion(model, modelName, version);
    const bytes = new Uint8Array(await readFile(join(this.location, v.artifact)));
    if (sha256Hex(bytes) !== v.sha256)
      throw new TrainingError(
        `the artifact of ${modelName} version ${version} (${v.artifact}) does not match its checksum sha256:${v.sha256}`,
        TrainingErrorCode.RegistryError,
      );
    return bytes;
  }

  /** The transition history of a model, oldest first. */
  async history(modelName: string): Promise<readonly StoredTransition[]> {
    return (await this.read()).models[modelName]?.history ?? [];
  }

  private async read(): Promise<RegistryFile> {
    try {
      const parsed = JSON.parse(await readFile(join(this.location, FILE), 'utf8')) as RegistryFile;
      if (parsed.formatVersion !== 1 || typeof parsed.models !== 'object')
        throw new TrainingError(
          `${join(this.location, FILE)} is not a registry file of format 1`,
          TrainingErrorCode.RegistryError,
        );
      return parsed;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { formatVersion: 1, models: {} };
      throw e;
    }
  }

  private async update<T>(change: (file: RegistryFile) => T): Promise<T> {
    await mkdir(this.location, { recursive: true });
    const release = await lock(join(this.location, LOCK));
    try {
      const file = await this.read();
      const result = change(file);
      await atomicWrite(join(this.location, FILE), JSON.stringify(file, null, 2) + '\n');
      return result;
    } finally {
      await release();
    }
  }
}

function view(modelName: string, model: StoredModel, v: StoredVersion): RegisteredVersion {
  return {
    modelName,
    version: v.version,
    runId: v.runId,
    stage: v.stage,
    aliases: Object.entries(model.aliases)
      .filter(([, n]) => n === v.version)
      .map(([a]) => a)
      .sort(),
    checksum: `sha256:${v.sha256}`,
    algorithm: v.algorithm,
    inputSchema: v.inputSchema,
    metrics: v.metrics,
    threshold: v.threshold,
    createdAt: v.createdAt,
  };
}

function findVersion(model: StoredModel, name: string, version: number): StoredVersion {
  const v = model.versions.find((x) => x.version === version);
  if (!v)
    throw new TrainingError(
      `model ${name} has no version ${version} (versions: ${model.versions.map((x) => x.version).join(', ') || 'none'})`,
      TrainingErrorCode.NotFound,
    );
  return v;
}

function notFoundModel(name: string): never {
  throw new TrainingError(
    `no registered model named ${name}: register one with mlops train --register-best`,
    TrainingErrorCode.NotFound,
  );
}

function randomRunId(): string {
  return crypto.randomUUID().replace(/-/g, '');
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes `<path>.<pid>.<random>.tmp` then renames it over `path`. */
async function atomicWrite(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** An exclusive lock file (O_CREAT|O_EXCL); a lock older than 30 s is taken as stale and removed. */
async function lock(path: string): Promise<() => Promise<void>> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const h = await open(path, 'wx');
      await h.writeFile(String(process.pid));
      await h.close();
      return () => unlink(path).catch(() => undefined);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = await stat(path).catch(() => null);
      if (st && Date.now() - st.mtimeMs > STALE_LOCK_MS) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline)
        throw new TrainingError(
          `the local registry is locked by ${path}: another mlops process is writing; retry, or delete the file if none is`,
          TrainingErrorCode.RegistryError,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

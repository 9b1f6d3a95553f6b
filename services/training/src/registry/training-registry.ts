import type { ColumnSpec } from '@mlops/contracts';
import { NonRetriableError } from '@mlops/messaging';

/** A metric point of a run (MLflow's: key, value, step, timestamp in epoch ms). */
export interface MetricPoint {
  readonly key: string;
  readonly value: number;
  readonly step: number;
  readonly timestamp: number;
}

/** What the training service asks of the registry (services/registry REST API, `/api/v1`). */
export interface TrainingRegistry {
  /** The id of the experiment `name`, created when missing. */
  ensureExperiment(name: string): Promise<string>;
  /** Opens a run (status RUNNING); answers its id. */
  createRun(experimentId: string, runName: string, tags: Readonly<Record<string, string>>): Promise<string>;
  /** Params (write-once), metrics (append-only) and tags, in batches the registry accepts. */
  logBatch(
    runId: string,
    batch: {
      readonly params?: Readonly<Record<string, string>>;
      readonly metrics?: readonly MetricPoint[];
      readonly tags?: Readonly<Record<string, string>>;
    },
  ): Promise<void>;
  /** Uploads an artifact of the run; answers its sha256 digest as the store addresses it. */
  putArtifact(runId: string, path: string, bytes: Uint8Array): Promise<string>;
  /** FINISHED or FAILED, with the end time. */
  endRun(runId: string, status: 'FINISHED' | 'FAILED'): Promise<void>;
  /** Registers the next version of `modelName` (created when missing); answers the version number. */
  createVersion(modelName: string, input: NewVersion): Promise<number>;
  /** Moves a version to a stage (archive-existing); the registry emits model-promoted. */
  transition(
    modelName: string,
    version: number,
    stage: 'Staging' | 'Production',
    reason: string,
  ): Promise<void>;
  /** The version in `stage` now, or null. */
  versionInStage(modelName: string, stage: 'Staging' | 'Production'): Promise<number | null>;
}

export interface NewVersion {
  readonly runId: string;
  /** Path of the ONNX artifact under the run's artifacts. */
  readonly artifactPath: string;
  /** Lower-case hex sha256 of the ONNX bytes. */
  readonly sha256: string;
  readonly inputSchema: readonly ColumnSpec[];
  readonly metrics: Readonly<Record<string, number>>;
  readonly threshold: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly description?: string;
}

/** The registry answered 4xx (other than 404 on a lookup): retrying the same request will not help. */
export class RegistryRequestError extends NonRetriableError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'RegistryRequestError';
  }
}

/** The registry could not be reached or answered 5xx: the same request may succeed later. */
export class RegistryUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RegistryUnavailableError';
  }
}

type Json = Record<string, unknown>;
const MAX_METRICS = 1000;
const MAX_PARAMS = 100;
const MAX_TAGS = 100;

/**
 * {@link TrainingRegistry} over the registry service's REST API (`GET /api/v1/openapi.json`):
 * experiments, runs, log-batch, run artifacts, registered models, versions and stage transitions.
 * Errors name the request and the registry's `{ error_code, message }`.
 */
export class HttpTrainingRegistry implements TrainingRegistry {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly actor = 'training',
    private readonly timeoutMs = 60_000,
  ) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  async ensureExperiment(name: string): Promise<string> {
    const found = await this.find(name);
    if (found !== undefined) return found;
    try {
      return String((await this.call<Json>('POST', '/api/v1/experiments', { name }))['experimentId']);
    } catch (e) {
      const again = await this.find(name); // created by another client in between
      if (again !== undefined) return again;
      throw e;
    }
  }

  async createRun(
    experimentId: string,
    runName: string,
    tags: Readonly<Record<string, string>>,
  ): Promise<string> {
    const run = await this.call<{ info: { runId: string } }>('POST', '/api/v1/runs', {
      experimentId,
      runName,
      tags: keyValues(tags),
    });
    return run.info.runId;
  }

  async logBatch(
    runId: string,
    batch: {
      readonly params?: Readonly<Record<string, string>>;
      readonly metrics?: readonly MetricPoint[];
      readonly tags?: Readonly<Record<string, string>>;
    },
  ): Promise<void> {
    const path = `/api/v1/runs/${enc(runId)}/log-batch`;
    const params = keyValues(batch.params ?? {});
    for (let i = 0; i < params.length; i += MAX_PARAMS)
      await this.call('POST', path, { params: params.slice(i, i + MAX_PARAMS) });
    const tags = keyValues(batch.tags ?? {});
    for (let i = 0; i < tags.length; i += MAX_TAGS)
      await this.call('POST', path, { tags: tags.slice(i, i + MAX_TAGS) });
    const metrics = (batch.metrics ?? []).filter((m) => Number.isFinite(m.value));
    for (let i = 0; i < metrics.length; i += MAX_METRICS)
      await this.call('POST', path, { metrics: metrics.slice(i, i + MAX_METRICS) });
  }

  async putArtifact(runId: string, path: string, bytes: Uint8Array): Promise<string> {
    const res = await this.call<{ digest: string }>(
      'PUT',
      `/api/v1/runs/${enc(runId)}/artifacts/${path}`,
      bytes,
    );
    return res.digest;
  }

  async endRun(runId: string, status: 'FINISHED' | 'FAILED'): Promise<void> {
    await this.call('PATCH', `/api/v1/runs/${enc(runId)}`, { status, endTime: Date.now() });
  }

  async createVersion(modelName: string, input: NewVersion): Promise<number> {
    const res = await this.fetch('GET', `/api/v1/models/${enc(modelName)}`);
    if (res.status === 404) {
      await res.body?.cancel();
      try {
        await this.call('POST', '/api/v1/models', { name: modelName });
      } catch (e) {
        if (!(e instanceof RegistryRequestError && e.status === 409) && !/ALREADY_EXISTS/.test(String(e)))
          throw e;
      }
    } else if (!res.ok) await this.fail(res, 'GET', `/api/v1/models/${modelName}`);
    else await res.body?.cancel();
    const v = await this.call<Json>('POST', `/api/v1/models/${enc(modelName)}/versions`, {
      source: `runs:/${input.runId}/${input.artifactPath}`,
      runId: input.runId,
      onnxDigest: input.sha256,
      checksum: `sha256:${input.sha256}`,
      inputSchema: input.inputSchema,
      metrics: Object.fromEntries(Object.entries(input.metrics).filter(([, x]) => Number.isFinite(x))),
      threshold: input.threshold,
      tags: keyValues(input.tags),
      ...(input.description !== undefined ? { description: input.description } : {}),
    });
    return Number(v['version']);
  }

  async transition(
    modelName: string,
    version: number,
    stage: 'Staging' | 'Production',
    reason: string,
  ): Promise<void> {
    await this.call('POST', `/api/v1/models/${enc(modelName)}/versions/${version}/stage`, {
      stage,
      archiveExistingVersions: true,
      reason,
      actor: this.actor,
    });
  }

  async versionInStage(modelName: string, stage: 'Staging' | 'Production'): Promise<number | null> {
    const path = `/api/v1/models/${enc(modelName)}/stages/${stage}`;
    const res = await this.fetch('GET', path);
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) await this.fail(res, 'GET', path);
    return Number(((await res.json()) as Json)['version']);
  }

  private async find(name: string): Promise<string | undefined> {
    const res = await this.fetch('GET', `/api/v1/experiments?name=${enc(name)}`);
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) await this.fail(res, 'GET', '/api/v1/experiments');
    const { experiments } = (await res.json()) as { experiments?: { experimentId: string }[] };
    return experiments?.[0]?.experimentId;
  }

  private async fetch(method: string, path: string, body?: Json | Uint8Array): Promise<Response> {
    const headers: Record<string, string> = { 'x-actor': this.actor };
    let payload: string | Uint8Array | undefined;
    if (body instanceof Uint8Array) {
      headers['content-type'] = 'application/octet-stream';
      payload = body;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    try {
      return await fetch(this.base + path, {
        method,
        headers,
        ...(payload !== undefined ? { body: payload } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (e) {
      throw new RegistryUnavailableError(
        `the registry at ${this.base} did not answer ${method} ${path}: ${e instanceof Error ? e.message : String(e)}; is it running (REGISTRY_URL)?`,
      );
    }
  }

  private async call<T = Json>(method: string, path: string, body?: Json | Uint8Array): Promise<T> {
    const res = await this.fetch(method, path, body);
    if (!res.ok) await this.fail(res, method, path);
    const text = await res.text();
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  private async fail(res: Response, method: string, path: string): Promise<never> {
    const text = await res.text().catch(() => '');
    let detail = text.slice(0, 300);
    try {
      const b = JSON.parse(text) as { error_code?: string; message?: string };
      detail = `${b.error_code ?? ''}: ${b.message ?? ''}`;
    } catch {
      // not JSON: keep the text
    }
    const message = `registry ${method} ${path} answered ${res.status} ${detail}`;
    if (res.status >= 500) throw new RegistryUnavailableError(message);
    throw new RegistryRequestError(message, res.status);
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function keyValues(r: Readonly<Record<string, string>>): { key: string; value: string }[] {
  return Object.entries(r).map(([key, value]) => ({ key, value }));
}

/**
 * Base URL of the registry service: `REGISTRY_URL` when set, else `http://127.0.0.1:<services.registry.http_port>`.
 */
export function registryBaseUrl(env: NodeJS.ProcessEnv, registryPort: number): string {
  const fromEnv = env['REGISTRY_URL']?.trim();
  return fromEnv ? fromEnv : `http://127.0.0.1:${registryPort}`;
}

/** Injection token of the {@link TrainingRegistry}. */
export const TRAINING_REGISTRY_TOKEN = Symbol('TrainingRegistry');

import type { ColumnSpec } from '@mlops/contracts';
import { sha256Hex } from '../digest.js';
import { EXPLAINER_ARTIFACT_PATH } from '../explain/explainer-artifact.js';
import { TrainingError, TrainingErrorCode } from '../training.error.js';
import {
  isStage,
  rejectedRunTags,
  runMetricList,
  runParamList,
  type ModelRegistryClient,
  type RegisterVersionInput,
  type RejectedModelInput,
  type RegisteredVersion,
  type Stage,
  type TransitionOptions,
} from './model-registry.client.js';

type Json = Record<string, unknown>;

/** Limits of the registry's log-batch (MLflow's): params and metrics per request. */
const MAX_PARAMS = 100;
const MAX_METRICS = 1000;

/**
 * {@link ModelRegistryClient} over the registry service's REST API (services/registry,
 * `/api/v1`, documented at `GET /api/v1/openapi.json`):
 *   GET  /experiments?name=      POST /experiments            (the tracking experiment)
 *   POST /runs                   POST /runs/:id/log-batch      PATCH /runs/:id (FINISHED)
 *   PUT  /runs/:id/artifacts/model/model.onnx                  (raw bytes -> { digest })
 *   PUT  /runs/:id/artifacts/model/explainer.json              (when explainerBytes are given)
 *   GET  /models/:name           POST /models                  POST /models/:name/versions
 *   POST /models/:name/versions/:v/stage                       PUT /models/:name/aliases/:alias
 *   GET  /models/:name/versions[/:v[/onnx]]                    GET /models/:name/stages/:stage
 * Errors come back as `{ error_code, message }` and are raised as TrainingError with both.
 */
export class HttpModelRegistryClient implements ModelRegistryClient {
  readonly location: string;
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly options: { readonly actor?: string; readonly timeoutMs?: number } = {},
  ) {
    let url: URL;
    try {
      url = new URL(baseUrl);
    } catch {
      throw new TrainingError(`REGISTRY_URL '${baseUrl}' is not a URL: use e.g. http://127.0.0.1:3005`);
    }
    this.base = url.toString().replace(/\/+$/, '');
    this.location = this.base;
  }

  async registerVersion(input: RegisterVersionInput): Promise<RegisteredVersion> {
    const tags = { ...(input.tags ?? {}), algorithm: input.algorithm };
    const runId = await this.logRun(input, tags);
    await this.ensureModel(input.modelName);
    const v = await this.call<Json>('POST', `/api/v1/models/${enc(input.modelName)}/versions`, {
      source: `runs:/${runId}/model/model.onnx`,
      runId,
      onnxDigest: input.sha256,
      checksum: `sha256:${input.sha256}`,
      inputSchema: input.inputSchema,
      metrics: finite(input.metrics),
      threshold: input.threshold,
      description: input.description,
      tags: keyValues(tags),
    });
    return toVersion(v);
  }

  /** The run only (no event: the CLI talks to the registry service, not to Kafka, in this mode). */
  async logRejectedModel(input: RejectedModelInput): Promise<{ readonly runId: string }> {
    return { runId: await this.logRun(input, rejectedRunTags(input)) };
  }

  /** A FINISHED tracking run with the params, metrics, history and artifacts of `input` (FAILED if a step fails). */
  private async logRun(
    input: RejectedModelInput | RegisterVersionInput,
    tags: Record<string, string>,
  ): Promise<string> {
    if (sha256Hex(input.onnxBytes) !== input.sha256)
      throw new TrainingError(
        `sha256 ${input.sha256} does not match the ONNX bytes given: pass the digest of these bytes`,
      );
    const experimentId = await this.experimentId(input.experimentName);
    const run = await this.call<{ info: { runId: string } }>('POST', '/api/v1/runs', {
      experimentId,
      runName: input.runName,
      tags: keyValues(tags),
    });
    const runId = run.info.runId;
    try {
      const params = runParamList(input.params);
      for (let i = 0; i < params.length; i += MAX_PARAMS) {
        await this.call('POST', `/api/v1/runs/${runId}/log-batch`, {
          params: params.slice(i, i + MAX_PARAMS),
        });
      }
      const metrics = runMetricList(input, Date.now());
      for (let i = 0; i < metrics.length; i += MAX_METRICS) {
        await this.call('POST', `/api/v1/runs/${runId}/log-batch`, {
          metrics: metrics.slice(i, i + MAX_METRICS),
        });
      }
      const uploaded = await this.call<{ digest: string }>(
        'PUT',
        `/api/v1/runs/${runId}/artifacts/model/model.onnx`,
        input.onnxBytes,
      );
      if (uploaded.digest !== input.sha256)
        throw new TrainingError(
          `the registry stored the ONNX artifact as ${uploaded.digest}, expected ${input.sha256}`,
          TrainingErrorCode.RegistryError,
        );
      if (input.explainerBytes !== undefined) {
        const explainer = await this.call<{ digest: string }>(
          'PUT',
          `/api/v1/runs/${runId}/artifacts/${EXPLAINER_ARTIFACT_PATH}`,
          input.explainerBytes,
        );
        if (explainer.digest !== sha256Hex(input.explainerBytes))
          throw new TrainingError(
            `the registry stored the explainer artifact as ${explainer.digest}, expected ${sha256Hex(input.explainerBytes)}`,
            TrainingErrorCode.RegistryError,
          );
      }
      await this.call('PATCH', `/api/v1/runs/${runId}`, { status: 'FINISHED', endTime: Date.now() });
    } catch (e) {
      await this.call('PATCH', `/api/v1/runs/${runId}`, { status: 'FAILED', endTime: Date.now() }).catch(
        () => undefined,
      );
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
    const v = await this.call<Json>('POST', `/api/v1/models/${enc(modelName)}/versions/${version}/stage`, {
      stage,
      archiveExistingVersions: options.archiveExisting ?? (stage === 'Staging' || stage === 'Production'),
      reason: options.reason,
      actor: options.actor ?? this.options.actor ?? 'mlops-cli',
    });
    return toVersion(v);
  }

  async setAlias(modelName: string, alias: string, version: number): Promise<RegisteredVersion> {
    return toVersion(
      await this.call<Json>('PUT', `/api/v1/models/${enc(modelName)}/aliases/${enc(alias)}`, {
        version,
        actor: this.options.actor ?? 'mlops-cli',
      }),
    );
  }

  async getVersion(modelName: string, version: number): Promise<RegisteredVersion> {
    return toVersion(await this.call<Json>('GET', `/api/v1/models/${enc(modelName)}/versions/${version}`));
  }

  async latestVersion(modelName: string, stage?: Stage): Promise<RegisteredVersion | null> {
    try {
      if (stage !== undefined)
        return toVersion(await this.call<Json>('GET', `/api/v1/models/${enc(modelName)}/stages/${stage}`));
      const { versions } = await this.call<{ versions: Json[] }>(
        'GET',
        `/api/v1/models/${enc(modelName)}/versions`,
      );
      let best: Json | null = null;
      for (const v of versions) if (best === null || Number(v['version']) > Number(best['version'])) best = v;
      return best === null ? null : toVersion(best);
    } catch (e) {
      if (e instanceof TrainingError && e.code === TrainingErrorCode.NotFound) return null;
      throw e;
    }
  }

  async getOnnx(modelName: string, version: number): Promise<Uint8Array> {
    const res = await this.fetch('GET', `/api/v1/models/${enc(modelName)}/versions/${version}/onnx`);
    if (!res.ok) await this.fail(res, 'GET', 'onnx');
    const bytes = new Uint8Array(await res.arrayBuffer());
    const digest = res.headers.get('x-content-digest');
    if (digest !== null && digest !== `sha256:${sha256Hex(bytes)}`)
      throw new TrainingError(
        `the ONNX bytes of ${modelName} version ${version} do not match their digest ${digest}`,
        TrainingErrorCode.RegistryError,
      );
    return bytes;
  }

  /** Nothing to release: every call is its own request. */
  async close(): Promise<void> {}

  private async experimentId(name: string): Promise<string> {
    try {
      const { experiments } = await this.call<{ experiments: { experimentId: string }[] }>(
        'GET',
        `/api/v1/experiments?name=${enc(name)}`,
      );
      if (experiments[0]) return experiments[0].experimentId;
    } catch (e) {
      if (!(e instanceof TrainingError && e.code === TrainingErrorCode.NotFound)) throw e;
    }
    try {
      return (await this.call<{ experimentId: string }>('POST', '/api/v1/experiments', { name }))
        .experimentId;
    } catch (e) {
      // another client created it in between
      const { experiments } = await this.call<{ experiments: { experimentId: string }[] }>(
        'GET',
        `/api/v1/experiments?name=${enc(name)}`,
      ).catch(() => {
        throw e;
      });
      if (experiments[0]) return experiments[0].experimentId;
      throw e;
    }
  }

  private async ensureModel(name: string): Promise<void> {
    try {
      await this.call('GET', `/api/v1/models/${enc(name)}`);
    } catch (e) {
      if (!(e instanceof TrainingError && e.code === TrainingErrorCode.NotFound)) throw e;
      try {
        await this.call('POST', '/api/v1/models', { name });
      } catch (created) {
        if (!(created instanceof TrainingError && /ALREADY_EXISTS/.test(created.message))) throw created;
      }
    }
  }

  private fetch(method: string, path: string, body?: Json | Uint8Array): Promise<Response> {
    const headers: Record<string, string> = { 'x-actor': this.options.actor ?? 'mlops-cli' };
    let payload: string | Uint8Array | undefined;
    if (body instanceof Uint8Array) {
      headers['content-type'] = 'application/octet-stream';
      payload = body;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    return fetch(this.base + path, {
      method,
      headers,
      ...(payload !== undefined ? { body: payload } : {}),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
    }).catch((e: unknown) => {
      throw new TrainingError(
        `the registry at ${this.base} did not answer ${method} ${path}: ${e instanceof Error ? e.message : String(e)}. Start it (npm run services) or unset REGISTRY_URL to use the local registry`,
        TrainingErrorCode.RegistryError,
      );
    });
  }

  private async call<T = Json>(method: string, path: string, body?: Json | Uint8Array): Promise<T> {
    const res = await this.fetch(method, path, body);
    if (!res.ok) await this.fail(res, method, path);
    const text = await res.text();
    return (text === '' ? {} : JSON.parse(text)) as T;
  }

  private async fail(res: Response, method: string, path: string): Promise<never> {
    let detail = '';
    try {
      const b = (await res.json()) as { error_code?: string; message?: string };
      detail = `${b.error_code ?? ''}: ${b.message ?? ''}`;
    } catch {
      detail = res.statusText;
    }
    throw new TrainingError(
      `registry ${method} ${path} answered ${res.status} ${detail}`,
      res.status === 404 ? TrainingErrorCode.NotFound : TrainingErrorCode.RegistryError,
    );
  }
}

function enc(s: string): string {
  return encodeURIComponent(s);
}

function keyValues(r: Readonly<Record<string, string>>): { key: string; value: string }[] {
  return Object.entries(r).map(([key, value]) => ({ key, value }));
}

function finite(r: Readonly<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).filter(([, v]) => Number.isFinite(v)));
}

/** The registry's ModelVersion JSON -> {@link RegisteredVersion}. */
export function toVersion(v: Json): RegisteredVersion {
  const stage = String(v['currentStage'] ?? 'None');
  const tags = Array.isArray(v['tags']) ? (v['tags'] as { key: string; value: string }[]) : [];
  return {
    modelName: String(v['name']),
    version: Number(v['version']),
    runId: typeof v['runId'] === 'string' ? v['runId'] : null,
    stage: isStage(stage) ? stage : 'None',
    aliases: Array.isArray(v['aliases']) ? (v['aliases'] as string[]) : [],
    checksum: typeof v['checksum'] === 'string' ? v['checksum'] : null,
    algorithm: tags.find((t) => t.key === 'algorithm')?.value ?? null,
    inputSchema: Array.isArray(v['inputSchema']) ? (v['inputSchema'] as ColumnSpec[]) : null,
    metrics: (v['metrics'] as Record<string, number> | null) ?? {},
    threshold: typeof v['threshold'] === 'number' ? v['threshold'] : null,
    createdAt: Number(v['creationTime'] ?? 0),
  };
}

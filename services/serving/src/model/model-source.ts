import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { EXPLAINER_ARTIFACT_PATH } from '@mlops/training';
import { artifactExplainer, type ModelExplainer } from './explainer.js';
import { parseModelMetadata, type ModelMetadata } from './model-metadata.js';

/** The bytes and metadata of one model version. */
export interface ModelArtifact {
  readonly metadata: ModelMetadata;
  readonly bytes: Uint8Array;
  /** SHAP explanations of the version, from its explainer artifact; absent when it has none. */
  readonly explainer?: ModelExplainer;
}

/** Where serving gets models from: the registry (HTTP) in production, files in tests and laptops. */
export interface ModelSource {
  /** For logs: `registry http://...` or `files ...`. */
  readonly description: string;
  /**
   * The version `alias` of model `name` points at (or exactly `version` when given, as a
   * promotion event names it), with its ONNX bytes.
   * @throws Error when there is no such version or it has no ONNX artifact.
   */
  load(name: string, alias: string, version?: number): Promise<ModelArtifact>;
}

/**
 * Models from the registry's REST API (services/registry, model-registry.controller.ts):
 * `GET /api/v1/models/:name/aliases/:alias` or `GET /api/v1/models/:name/versions/:version` for the
 * metadata (a ModelVersion: threshold, inputSchema, runId), then `GET .../versions/:version/onnx` for
 * the bytes (checked against `x-content-digest: sha256:<hex>`), and the explainer artifact of the
 * version's run, `GET /api/v1/runs/:runId/artifacts/model/explainer.json` (written by training;
 * 404 = a version without one: it serves predictions, explanations answer 422). A malformed
 * explainer artifact fails the load, as a bad ONNX file does.
 */
export class HttpModelSource implements ModelSource {
  readonly description: string;
  constructor(private readonly baseUrl: string) {
    this.description = `registry ${baseUrl}`;
  }

  async load(name: string, alias: string, version?: number): Promise<ModelArtifact> {
    const base = `${this.baseUrl.replace(/\/$/, '')}/api/v1/models/${encodeURIComponent(name)}`;
    const metaUrl = version === undefined ? `${base}/aliases/${encodeURIComponent(alias)}` : `${base}/versions/${version}`;
    const metaRes = await fetch(metaUrl);
    if (!metaRes.ok) throw new Error(`registry answered ${metaRes.status} for ${metaUrl}: ${(await metaRes.text()).slice(0, 300)}`);
    const versionJson: unknown = await metaRes.json();
    const metadata = parseModelMetadata(versionJson, metaUrl);
    const onnxUrl = `${base}/versions/${metadata.version}/onnx`;
    const res = await fetch(onnxUrl);
    if (!res.ok) throw new Error(`registry answered ${res.status} for ${onnxUrl}: ${(await res.text()).slice(0, 300)}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    checkDigest(bytes, res.headers.get('x-content-digest'), onnxUrl);
    const runId = (versionJson as { runId?: unknown }).runId;
    const explainer = typeof runId === 'string' && runId !== '' ? await this.explainer(runId, metadata) : undefined;
    return { metadata, bytes, ...(explainer !== undefined ? { explainer } : {}) };
  }

  /** The version's explainer from its run's artifact; undefined when the run has none (404). */
  private async explainer(runId: string, metadata: ModelMetadata): Promise<ModelExplainer | undefined> {
    const url = `${this.baseUrl.replace(/\/$/, '')}/api/v1/runs/${encodeURIComponent(runId)}/artifacts/${EXPLAINER_ARTIFACT_PATH}`;
    const res = await fetch(url);
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (!res.ok) throw new Error(`registry answered ${res.status} for ${url}: ${(await res.text()).slice(0, 300)}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    checkDigest(bytes, res.headers.get('x-content-digest'), url);
    return artifactExplainer(parseJson(bytes, url), `${metadata.name}@${metadata.version} explainer (${url})`);
  }
}

function checkDigest(bytes: Uint8Array, digest: string | null, url: string): void {
  if (digest === null) return;
  const got = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (got !== digest) throw new Error(`${url}: downloaded bytes hash to ${got}, the registry says ${digest}`);
}

function parseJson(bytes: Uint8Array, where: string): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  } catch (e) {
    throw new Error(`${where}: not JSON (${(e as Error).message})`);
  }
}

/**
 * Models from files, one `.onnx` per alias with its metadata beside it (`model.onnx` ->
 * `model.json`: `{ name, version, threshold, inputSchema: [{ name, type }] }`) and, optionally, the
 * training run's explainer artifact (`model.explainer.json`). Files are re-read on every load, so
 * replacing them and sending a promotion event swaps the model.
 */
export class FileModelSource implements ModelSource {
  readonly description: string;
  constructor(private readonly pathsByAlias: Readonly<Record<string, string>>) {
    this.description = `files ${JSON.stringify(pathsByAlias)}`;
  }

  /**
   * From the environment: `SERVING_MODEL_PATH` for the served alias, `SERVING_CHALLENGER_MODEL_PATH`
   * and `SERVING_SHADOW_MODEL_PATH` for the canary and shadow aliases. Undefined when
   * `SERVING_MODEL_PATH` is not set.
   */
  static fromEnv(env: NodeJS.ProcessEnv, aliases: { champion: string; challenger: string; shadow: string }): FileModelSource | undefined {
    const main = env['SERVING_MODEL_PATH'];
    if (main === undefined || main === '') return undefined;
    const paths: Record<string, string> = { [aliases.champion]: main };
    const challenger = env['SERVING_CHALLENGER_MODEL_PATH'];
    if (challenger) paths[aliases.challenger] = challenger;
    const shadow = env['SERVING_SHADOW_MODEL_PATH'];
    if (shadow) paths[aliases.shadow] = shadow;
    return new FileModelSource(paths);
  }

  async load(name: string, alias: string, version?: number): Promise<ModelArtifact> {
    const path = this.pathsByAlias[alias];
    if (path === undefined) throw new Error(`no model file for alias '${alias}' (known: ${Object.keys(this.pathsByAlias).join(', ')}); set SERVING_MODEL_PATH and friends`);
    const metaPath = path.replace(/\.onnx$/, '') + '.json';
    const metadata = parseModelMetadata(JSON.parse(await readFile(metaPath, 'utf8')) as unknown, metaPath);
    if (metadata.name !== name) throw new Error(`${metaPath} describes model '${metadata.name}', expected '${name}'`);
    if (version !== undefined && metadata.version !== version)
      throw new Error(`${metaPath} holds version ${metadata.version} of ${name}, expected version ${version}; write the new files before promoting`);
    const bytes = new Uint8Array(await readFile(path));
    const explainerPath = path.replace(/\.onnx$/, '') + '.explainer.json';
    let explainerText: string | undefined;
    try {
      explainerText = await readFile(explainerPath, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (explainerText === undefined) return { metadata, bytes };
    const explainer = artifactExplainer(parseJson(new TextEncoder().encode(explainerText), explainerPath), `${metadata.name}@${metadata.version} explainer (${explainerPath})`);
    return { metadata, bytes, explainer };
  }
}

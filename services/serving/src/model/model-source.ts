import { readFile } from 'node:fs/promises';
import { parseModelMetadata, type ModelMetadata } from './model-metadata.js';

/** The bytes and metadata of one model version. */
export interface ModelArtifact {
  readonly metadata: ModelMetadata;
  readonly bytes: Uint8Array;
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
 * metadata (a ModelVersion: threshold, inputSchema), then `GET .../versions/:version/onnx` for the
 * bytes (checked against `x-content-digest: sha256:<hex>`).
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
    const metadata = parseModelMetadata(await metaRes.json(), metaUrl);
    const onnxUrl = `${base}/versions/${metadata.version}/onnx`;
    const res = await fetch(onnxUrl);
    if (!res.ok) throw new Error(`registry answered ${res.status} for ${onnxUrl}: ${(await res.text()).slice(0, 300)}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const digest = res.headers.get('x-content-digest');
    if (digest !== null) {
      const { createHash } = await import('node:crypto');
      const got = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
      if (got !== digest) throw new Error(`${onnxUrl}: downloaded bytes hash to ${got}, the registry says ${digest}`);
    }
    return { metadata, bytes };
  }
}

/**
 * Models from files, one `.onnx` per alias with its metadata beside it (`model.onnx` ->
 * `model.json`: `{ name, version, threshold, inputSchema: [{ name, type }] }`). Files are re-read
 * on every load, so replacing them and sending a promotion event swaps the model.
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
    return { metadata, bytes };
  }
}

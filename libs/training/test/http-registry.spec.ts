/**
 * HttpModelRegistryClient against the real registry service (services/registry, built by
 * `npm run build`) on the local PostgreSQL and Kafka: the routes `mlops train --register-best
 * --promote-to-staging` and `mlops validate-model --version N` use.
 */
import { sha256Hex } from '../src/digest.js';
import { HttpModelRegistryClient } from '../src/registry/http-model-registry.client.js';
import type { RegisterVersionInput } from '../src/registry/model-registry.client.js';
import { TrainingError } from '../src/training.error.js';
import {
  startRegistry,
  type RegistryProcess,
} from '../../../services/registry/test/support/registry-process.js';

const MODEL = `cli-test-${Date.now().toString(36)}-${process.pid}`;
let registry: RegistryProcess;
let client: HttpModelRegistryClient;

function input(content: string): RegisterVersionInput {
  const onnxBytes = new TextEncoder().encode(content);
  return {
    modelName: MODEL,
    experimentName: `${MODEL}-experiment`,
    runName: 'train-http-test',
    algorithm: 'logistic_regression',
    onnxBytes,
    sha256: sha256Hex(onnxBytes),
    inputSchema: [
      { name: 'tenure', type: 'float' },
      { name: 'contract', type: 'string' },
    ],
    metrics: { roc_auc: 0.86, accuracy: 0.81, recall: 0.67 },
    threshold: 0.41,
    params: { algorithm: 'logistic_regression', 'model.C': 1, 'model.max_iter': 1000 },
    history: { train_log_loss: [0.6, 0.5, 0.45] },
    tags: { source: 'test' },
  };
}

beforeAll(async () => {
  registry = await startRegistry(3900 + (process.pid % 80));
  client = new HttpModelRegistryClient(registry.url, { actor: 'cli-test' });
}, 90_000);

afterAll(async () => {
  await registry?.stop();
});

describe('HttpModelRegistryClient on the registry service', () => {
  it('logs a run with the ONNX artifact, registers versions, promotes to Staging archiving the previous one, sets an alias, reads back', async () => {
    const v1 = await client.registerVersion(input('onnx bytes one'));
    expect(v1).toMatchObject({
      modelName: MODEL,
      version: 1,
      stage: 'None',
      algorithm: 'logistic_regression',
      threshold: 0.41,
    });
    expect(v1.checksum).toBe(`sha256:${sha256Hex(new TextEncoder().encode('onnx bytes one'))}`);
    expect(v1.runId).toMatch(/^[0-9a-f]{32}$/);
    expect(v1.inputSchema).toEqual(input('x').inputSchema);

    const staged1 = await client.transitionStage(MODEL, 1, 'Staging', { reason: 'gate passed' });
    expect(staged1.stage).toBe('Staging');
    const v2 = await client.registerVersion(input('onnx bytes two'));
    expect(v2.version).toBe(2);
    await client.transitionStage(MODEL, 2, 'Staging', { reason: 'gate passed' });
    expect((await client.getVersion(MODEL, 1)).stage).toBe('Archived');
    expect((await client.latestVersion(MODEL, 'Staging'))!.version).toBe(2);
    expect((await client.latestVersion(MODEL))!.version).toBe(2);

    const aliased = await client.setAlias(MODEL, 'challenger', 2);
    expect(aliased.aliases).toEqual(['challenger']);
    expect(new TextDecoder().decode(await client.getOnnx(MODEL, 2))).toBe('onnx bytes two');
  }, 60_000);

  it('logs a rejected model as a FINISHED run tagged with the gate reasons and registers no version', async () => {
    const { inputSchema: _schema, threshold: _threshold, ...trained } = input('rejected onnx');
    const rejectedModel = `${MODEL}-rejected`;
    const reasons = [
      { check: 'min_recall', expected: 0.65, actual: 0.5, message: 'recall 0.5 is below 0.65' },
    ];
    const { runId } = await client.logRejectedModel({ ...trained, modelName: rejectedModel, reasons });
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(await client.latestVersion(rejectedModel)).toBeNull();
    const run = (await (await fetch(`${registry.url}/api/v1/runs/${runId}`)).json()) as {
      info: { status: string; runName: string };
      tags: { key: string; value: string }[];
      metrics: { key: string }[];
    };
    expect(run.info).toMatchObject({ status: 'FINISHED', runName: 'train-http-test' });
    expect(Object.fromEntries(run.tags.map((t) => [t.key, t.value]))).toMatchObject({
      source: 'test',
      algorithm: 'logistic_regression',
      'gate.status': 'rejected',
      'gate.reasons': JSON.stringify(reasons),
    });
    expect(run.metrics.map((m) => m.key).sort()).toEqual(['accuracy', 'recall', 'roc_auc', 'train_log_loss']);
    const listed = (await (
      await fetch(`${registry.url}/api/v1/runs/${runId}/artifacts?path=model`)
    ).json()) as {
      files: { path: string }[];
    };
    expect(listed.files.map((f) => f.path)).toEqual(['model/model.onnx']);
  }, 60_000);

  it('answers null for a model with no version and a TrainingError naming the route for an unknown version', async () => {
    expect(await client.latestVersion(`${MODEL}-none`)).toBeNull();
    await expect(client.getVersion(MODEL, 99)).rejects.toThrow(TrainingError);
    await expect(client.getVersion(MODEL, 99)).rejects.toThrow(
      /registry GET \/api\/v1\/models\/.+\/versions\/99 answered 404/,
    );
  });
});

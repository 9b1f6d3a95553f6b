import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { topics } from '@mlops/contracts';
import { InMemoryIdempotencyStore, InProcessEventBus } from '@mlops/messaging';
import { openEmbeddedRegistry } from '@mlops/registry';
import { sha256Hex } from '../digest.js';
import { TrainingError, TrainingErrorCode } from '../training.error.js';
import { EmbeddedModelRegistryClient } from './embedded-model-registry.client.js';
import type { RegisterVersionInput } from './model-registry.client.js';
import { registryFromEnv } from './registry-from-env.js';

let dir: string;
let clients: EmbeddedModelRegistryClient[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlops-embedded-registry-'));
  clients = [];
});
afterEach(async () => {
  for (const c of clients) await c.close();
  rmSync(dir, { recursive: true, force: true });
});

function client(
  options: Partial<ConstructorParameters<typeof EmbeddedModelRegistryClient>[0]> = {},
): EmbeddedModelRegistryClient {
  const c = new EmbeddedModelRegistryClient({ directory: dir, ...options });
  clients.push(c);
  return c;
}

function version(content: string, over: Partial<RegisterVersionInput> = {}): RegisterVersionInput {
  const onnxBytes = new TextEncoder().encode(content);
  return {
    modelName: 'churn-predictor',
    experimentName: 'churn-prediction',
    runName: 'train-test',
    algorithm: 'xgboost',
    onnxBytes,
    sha256: sha256Hex(onnxBytes),
    inputSchema: [{ name: 'tenure', type: 'float' }],
    metrics: { roc_auc: 0.84, accuracy: 0.8, val_roc_auc: Number.NaN },
    threshold: 0.41,
    params: { 'model.max_depth': 6, 'model.subsample': null },
    history: { train_log_loss: [0.6, 0.5, 0.45] },
    ...over,
  };
}

/** The in-process bus the CLI gives the client in laptop mode. */
function cliBus(): InProcessEventBus<undefined> {
  return new InProcessEventBus({
    groupId: 'cli',
    idempotencyStore: new InMemoryIdempotencyStore(),
    producerName: 'mlops-cli',
  });
}

describe('EmbeddedModelRegistryClient (laptop mode: the registry on .local/registry/registry.sqlite)', () => {
  it('registers a tracking run with params, metrics and the ONNX artifact, then numbered versions read back', async () => {
    const reg = client();
    const v1 = await reg.registerVersion(
      version('model one', { explainerBytes: new TextEncoder().encode('{"explainer":1}') }),
    );
    const v2 = await reg.registerVersion(version('model two', { threshold: 0.3 }));
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(v1).toMatchObject({
      modelName: 'churn-predictor',
      stage: 'None',
      algorithm: 'xgboost',
      threshold: 0.41,
      metrics: { roc_auc: 0.84, accuracy: 0.8 },
      inputSchema: [{ name: 'tenure', type: 'float' }],
      checksum: `sha256:${sha256Hex(new TextEncoder().encode('model one'))}`,
    });
    expect(v1.runId).toMatch(/^[0-9a-f]{32}$/);
    expect(new TextDecoder().decode(await reg.getOnnx('churn-predictor', 2))).toBe('model two');
    expect((await reg.latestVersion('churn-predictor'))?.version).toBe(2);
    expect(await reg.latestVersion('churn-predictor', 'Staging')).toBeNull();
    expect(await reg.latestVersion('other-model')).toBeNull();
    await reg.close();

    // What the service would hold: the run (FINISHED, params as strings, finite metrics, the loss curve by step) and its artifacts.
    const r = await openEmbeddedRegistry({ path: join(dir, 'registry.sqlite') });
    try {
      const run = await r.tracking.getRun(v1.runId as string);
      expect(run.info).toMatchObject({ status: 'FINISHED', runName: 'train-test', userId: 'mlops-cli' });
      expect(run.params).toEqual([
        { key: 'model.max_depth', value: '6' },
        { key: 'model.subsample', value: 'None' },
      ]);
      expect(run.metrics.map((m) => m.key)).toEqual(['accuracy', 'roc_auc', 'train_log_loss']);
      expect(
        (await r.tracking.metricHistory(v1.runId as string, 'train_log_loss')).map((m) => [m.step, m.value]),
      ).toEqual([
        [0, 0.6],
        [1, 0.5],
        [2, 0.45],
      ]);
      const files = await r.artifacts.list(`1/${v1.runId}/artifacts/model`, `1/${v1.runId}/artifacts`);
      expect(files.map((f) => f.path)).toEqual(['model/explainer.json', 'model/model.onnx']);
    } finally {
      await r.close();
    }
  });

  it('moves a version to Staging, archives the one there, and keeps who, when and why', async () => {
    const reg = client();
    await reg.registerVersion(version('a'));
    await reg.registerVersion(version('b'));
    await reg.transitionStage('churn-predictor', 1, 'Staging', { reason: 'first' });
    const staged = await reg.transitionStage('churn-predictor', 2, 'Staging', {
      reason: 'better',
      actor: 'tester',
    });
    expect(staged.stage).toBe('Staging');
    expect((await reg.getVersion('churn-predictor', 1)).stage).toBe('Archived');
    expect((await reg.latestVersion('churn-predictor', 'Staging'))?.version).toBe(2);
    expect(
      (await reg.history('churn-predictor')).map((h) => [
        h.version,
        h.fromStage,
        h.toStage,
        h.kind,
        h.actor,
        h.reason,
      ]),
    ).toEqual([
      [1, 'None', 'Staging', 'transition', 'mlops-cli', 'first'],
      [2, 'None', 'Staging', 'transition', 'tester', 'better'],
      [
        1,
        'Staging',
        'Archived',
        'archive-existing',
        'tester',
        'archived by the transition of version 2 to Staging',
      ],
    ]);
  });

  it('points an alias at one version at a time and refuses a malformed one', async () => {
    const reg = client();
    await reg.registerVersion(version('a'));
    await reg.registerVersion(version('b'));
    await reg.setAlias('churn-predictor', 'champion', 1);
    expect((await reg.getVersion('churn-predictor', 1)).aliases).toEqual(['champion']);
    await reg.setAlias('churn-predictor', 'champion', 2);
    expect((await reg.getVersion('churn-predictor', 1)).aliases).toEqual([]);
    expect((await reg.getVersion('churn-predictor', 2)).aliases).toEqual(['champion']);
    await expect(reg.setAlias('churn-predictor', 'Bad Alias', 2)).rejects.toThrow(TrainingError);
  });

  it('publishes mlops.model.registered.v1 and relays the registry outbox (mlops.model.promoted.v1) to the in-process bus', async () => {
    const bus = cliBus();
    const seen: string[] = [];
    bus.subscribe(
      topics.modelRegistered,
      (e) =>
        void seen.push(
          `${e.payload.modelName} v${e.payload.version} registered ${e.payload.checksum.slice(0, 8)}`,
        ),
    );
    bus.subscribe(
      topics.modelPromoted,
      (e) =>
        void seen.push(
          `${e.payload.modelName} v${e.payload.version} ${e.payload.fromStage} -> ${e.payload.toStage}`,
        ),
    );
    await bus.start();
    const warnings: string[] = [];
    const reg = client({ events: bus, onWarning: (m) => warnings.push(m) });
    const v = await reg.registerVersion(version('evented'));
    await reg.transitionStage('churn-predictor', v.version, 'Staging');
    await bus.idle();
    expect(seen).toEqual([
      `churn-predictor v1 registered ${sha256Hex(new TextEncoder().encode('evented')).slice(0, 8)}`,
      'churn-predictor v1 None -> Staging',
    ]);
    expect(warnings).toEqual([]);
    await bus.close();
  });

  it('logs a rejected model as a FINISHED run tagged with the gate reasons, registers nothing, and publishes mlops.model.rejected.v1', async () => {
    const bus = cliBus();
    const seen: unknown[] = [];
    bus.subscribe(topics.modelRejected, (e) => void seen.push(e.payload));
    await bus.start();
    const reasons = [
      { check: 'min_precision', expected: 0.7, actual: 0.612, message: 'precision 0.612 is below 0.7' },
      { check: 'min_recall', expected: 0.65, actual: 0.5, message: 'recall 0.5 is below 0.65' },
    ];
    const {
      inputSchema: _schema,
      threshold: _threshold,
      ...trained
    } = version('rejected model', {
      explainerBytes: new TextEncoder().encode('{"explainer":1}'),
    });
    const warnings: string[] = [];
    const reg = client({ events: bus, onWarning: (m) => warnings.push(m) });
    const { runId } = await reg.logRejectedModel({ ...trained, tags: { source: 'test' }, reasons });
    await bus.idle();
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(seen).toEqual([{ modelName: 'churn-predictor', runId, reasons }]);
    expect(warnings).toEqual([]);
    expect(await reg.latestVersion('churn-predictor')).toBeNull();
    await expect(reg.logRejectedModel({ ...trained, reasons: [] })).rejects.toThrow(RangeError);
    await reg.close();
    await bus.close();

    const r = await openEmbeddedRegistry({ path: join(dir, 'registry.sqlite') });
    try {
      const run = await r.tracking.getRun(runId);
      expect(run.info).toMatchObject({ status: 'FINISHED', runName: 'train-test' });
      expect(Object.fromEntries(run.tags.map((t) => [t.key, t.value]))).toMatchObject({
        source: 'test',
        algorithm: 'xgboost',
        'gate.status': 'rejected',
        'gate.reasons': JSON.stringify(reasons),
      });
      expect(run.metrics.map((m) => m.key)).toEqual(['accuracy', 'roc_auc', 'train_log_loss']);
      const files = await r.artifacts.list(`1/${runId}/artifacts/model`, `1/${runId}/artifacts`);
      expect(files.map((f) => f.path)).toEqual(['model/explainer.json', 'model/model.onnx']);
    } finally {
      await r.close();
    }
  });

  it('lets a second client wait for the first to close, and never loses a version', async () => {
    const a = client();
    const b = client({ lockTimeoutMs: 10_000 });
    await a.registerVersion(version('m1'));
    const second = b.registerVersion(version('m2'));
    await a.registerVersion(version('m3'));
    await a.close();
    expect((await second).version).toBe(3);
    expect(readdirSync(dir).sort()).toEqual(['artifacts', 'registry.sqlite', 'registry.sqlite.lock']);
    await b.close();
    expect(existsSync(join(dir, 'registry.sqlite.lock'))).toBe(false);
    await expect(client({ lockTimeoutMs: 10 }).getVersion('churn-predictor', 3)).resolves.toMatchObject({
      version: 3,
    });
  });

  it('refuses a wrong digest, an unknown version and a tampered artifact', async () => {
    const reg = client();
    await expect(reg.registerVersion(version('x', { sha256: '0'.repeat(64) }))).rejects.toThrow(
      'does not match the ONNX bytes given',
    );
    const v = await reg.registerVersion(version('x'));
    await expect(reg.getVersion('churn-predictor', 9)).rejects.toMatchObject({
      code: TrainingErrorCode.NotFound,
      message: 'registry: RESOURCE_DOES_NOT_EXIST: Model Version (name=churn-predictor, version=9) not found',
    });
    const digest = (v.checksum as string).slice('sha256:'.length);
    writeFileSync(join(dir, 'artifacts', digest.slice(0, 2), digest), 'tampered');
    await expect(reg.getOnnx('churn-predictor', 1)).rejects.toThrow(/do not match their checksum/);
  });

  it('is what registryFromEnv gives without REGISTRY_URL (MLOPS_LOCAL_REGISTRY_DIR or .local/registry)', async () => {
    const embedded = registryFromEnv({ MLOPS_LOCAL_REGISTRY_DIR: dir });
    expect(embedded).toBeInstanceOf(EmbeddedModelRegistryClient);
    expect(embedded.location).toBe(join(dir, 'registry.sqlite'));
    expect(registryFromEnv({}).location).toBe(join(process.cwd(), '.local', 'registry', 'registry.sqlite'));
    expect(registryFromEnv({ REGISTRY_URL: 'http://127.0.0.1:3005' }).location).toBe('http://127.0.0.1:3005');
  });
});

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../digest.js';
import { TrainingError } from '../training.error.js';
import { LocalModelRegistryClient } from './local-model-registry.client.js';
import type { RegisterVersionInput } from './model-registry.client.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mlops-registry-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

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
    metrics: { roc_auc: 0.84, accuracy: 0.8 },
    threshold: 0.41,
    params: { 'model.max_depth': 6 },
    ...over,
  };
}

describe('LocalModelRegistryClient (.local/registry)', () => {
  it('registers numbered versions with a content-addressed artifact and reads them back', async () => {
    const reg = new LocalModelRegistryClient(dir);
    const v1 = await reg.registerVersion(version('model one'));
    const v2 = await reg.registerVersion(version('model two', { threshold: 0.3 }));
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(v1).toMatchObject({
      modelName: 'churn-predictor',
      stage: 'None',
      algorithm: 'xgboost',
      threshold: 0.41,
      checksum: `sha256:${sha256Hex(new TextEncoder().encode('model one'))}`,
    });
    expect(v1.runId).toMatch(/^[0-9a-f]{32}$/);
    expect(new TextDecoder().decode(await reg.getOnnx('churn-predictor', 2))).toBe('model two');
    expect((await reg.latestVersion('churn-predictor'))!.version).toBe(2);
    expect(await reg.latestVersion('other-model')).toBeNull();
    expect(readdirSync(join(dir, 'artifacts', 'sha256')).sort()).toEqual(
      [v1, v2].map((v) => `${v.checksum!.slice(7)}.onnx`).sort(),
    );
  });

  it('moves a version to Staging and archives the version that was there, with history', async () => {
    const reg = new LocalModelRegistryClient(dir);
    await reg.registerVersion(version('a'));
    await reg.registerVersion(version('b'));
    await reg.transitionStage('churn-predictor', 1, 'Staging', { reason: 'first' });
    const staged = await reg.transitionStage('churn-predictor', 2, 'Staging', {
      reason: 'better',
      actor: 'tester',
    });
    expect(staged.stage).toBe('Staging');
    expect((await reg.getVersion('churn-predictor', 1)).stage).toBe('Archived');
    expect((await reg.latestVersion('churn-predictor', 'Staging'))!.version).toBe(2);
    expect((await reg.history('churn-predictor')).map((h) => [h.version, h.from, h.to, h.kind])).toEqual([
      [1, 'None', 'Staging', 'transition'],
      [1, 'Staging', 'Archived', 'archive-existing'],
      [2, 'None', 'Staging', 'transition'],
    ]);
  });

  it('points an alias at one version at a time', async () => {
    const reg = new LocalModelRegistryClient(dir);
    await reg.registerVersion(version('a'));
    await reg.registerVersion(version('b'));
    await reg.setAlias('churn-predictor', 'champion', 1);
    expect((await reg.getVersion('churn-predictor', 1)).aliases).toEqual(['champion']);
    await reg.setAlias('churn-predictor', 'champion', 2);
    expect((await reg.getVersion('churn-predictor', 1)).aliases).toEqual([]);
    expect((await reg.getVersion('churn-predictor', 2)).aliases).toEqual(['champion']);
    await expect(reg.setAlias('churn-predictor', 'Bad Alias', 2)).rejects.toThrow(TrainingError);
  });

  it('gives distinct versions to concurrent registrations (lock + atomic rename) and leaves no temporary file', async () => {
    const a = new LocalModelRegistryClient(dir);
    const b = new LocalModelRegistryClient(dir);
    const all = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? a : b).registerVersion(version(`m${i}`))),
    );
    expect(all.map((v) => v.version).sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(readdirSync(dir).sort()).toEqual(['artifacts', 'registry.json']);
    expect(
      JSON.parse(readFileSync(join(dir, 'registry.json'), 'utf8')).models['churn-predictor'].versions,
    ).toHaveLength(8);
  });

  it('refuses a wrong digest, an unknown version and a tampered artifact', async () => {
    const reg = new LocalModelRegistryClient(dir);
    await expect(reg.registerVersion(version('x', { sha256: '0'.repeat(64) }))).rejects.toThrow(
      'does not match the ONNX bytes given',
    );
    const v = await reg.registerVersion(version('x'));
    await expect(reg.getVersion('churn-predictor', 9)).rejects.toThrow(
      'model churn-predictor has no version 9 (versions: 1)',
    );
    await expect(reg.getVersion('nope', 1)).rejects.toThrow('no registered model named nope');
    writeFileSync(join(dir, 'artifacts', 'sha256', `${v.checksum!.slice(7)}.onnx`), 'tampered');
    await expect(reg.getOnnx('churn-predictor', 1)).rejects.toThrow(/does not match its checksum/);
  });
});

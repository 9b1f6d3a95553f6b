import { loadConfig, type PlatformConfig } from '@mlops/config';
import { JsonLogger, MetricsRegistry } from '@mlops/observability';
import { ModelManager } from './model-manager.service.js';
import type { ModelArtifact, ModelSource } from './model-source.js';

/** A source that records every load and fails (the registry is down): no ONNX is needed to test the routing of events. */
class DownSource implements ModelSource {
  readonly description = 'down';
  readonly loads: { name: string; alias: string; version: number | undefined }[] = [];
  load(name: string, alias: string, version?: number): Promise<ModelArtifact> {
    this.loads.push({ name, alias, version });
    return Promise.reject(new Error('registry unreachable'));
  }
}

function setup(canary: boolean): { sut: ModelManager; source: DownSource; lines: string[]; config: PlatformConfig } {
  const base = loadConfig({ env: {} });
  const config = { ...base, serving: { ...base.serving, canary: { ...base.serving.canary, enabled: canary } } } as PlatformConfig;
  const source = new DownSource();
  const lines: string[] = [];
  const sut = new ModelManager(config, { source }, new JsonLogger({ service: 'serving', write: (l) => lines.push(l) }), new MetricsRegistry({ service: 'serving', defaultMetrics: false }));
  return { sut, source, lines, config };
}

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

describe('ModelManager (promotion routing)', () => {
  it('ignores other models and aliases it does not serve', async () => {
    const { sut, source, config } = setup(false);
    const base = { version: 2, fromStage: 'Staging', toStage: 'Production', promotedBy: 'ci', reason: 'test' } as const;
    expect(sut.onPromoted({ ...base, modelName: 'another-model', alias: 'champion' })).toEqual([]);
    expect(sut.onPromoted({ ...base, modelName: config.serving.model_name, alias: 'challenger' })).toEqual([]); // canary disabled
    expect(sut.onPromoted({ ...base, modelName: config.serving.model_name, toStage: 'Staging', fromStage: 'None' })).toEqual([]);
    await flush();
    expect(source.loads).toEqual([]);
  });

  it('re-resolves the alias of the slot the promotion names (not the event version), in the background', async () => {
    const { sut, source, config, lines } = setup(true);
    const p = { modelName: config.serving.model_name, version: 7, fromStage: 'Staging', toStage: 'Production', promotedBy: 'ci', reason: 'test' } as const;
    expect(sut.onPromoted({ ...p, alias: config.serving.canary.challenger_alias })).toEqual(['challenger']);
    expect(sut.onPromoted({ ...p })).toEqual(['champion']); // Production without alias: the champion alias
    await flush();
    expect(source.loads).toEqual([
      { name: config.serving.model_name, alias: config.serving.canary.challenger_alias, version: undefined },
      { name: config.serving.model_name, alias: config.serving.model_alias, version: undefined },
    ]);
    expect(lines.filter((l) => l.includes('model reload failed; retrying')).length).toBe(2);
  });

  it('coalesces promotions that arrive while a reload of the slot is pending', async () => {
    const { sut, source, config } = setup(false);
    const p = { modelName: config.serving.model_name, version: 3, fromStage: 'Staging', toStage: 'Production', alias: config.serving.model_alias, promotedBy: 'ci', reason: 'test' } as const;
    for (let i = 0; i < 5; i++) sut.onPromoted(p);
    sut.onRolledBack({ modelName: config.serving.model_name, fromVersion: 3, toVersion: 2, stage: 'Production', reason: 'r', actor: 'ci' });
    await flush();
    expect(source.loads).toHaveLength(1);
    expect(sut.slots.snapshot.champion).toBeUndefined();
  });
});

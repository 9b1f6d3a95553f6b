import { topicByName, topics, type TopicContract } from '@mlops/contracts';
import { openSqliteRegistryDataSource } from '../embedded/embedded-registry.js';
import { RegistryError } from '../registry.error.js';
import type { KeyValue } from '../tracking/tracking.types.js';
import { ArtifactDigests, ModelRegistryService, OutboxFlusher } from './model-registry.service.js';
import { ModelRegistryStore, type LockedModel, type OutboxItem } from './model-registry.store.js';
import type { ModelVersion, NewModelVersion, RegisteredModel, Stage, StageTransition, TransitionKind } from './model-registry.types.js';
import { SqliteModelRegistryStore } from './sqlite-model-registry.store.js';

interface ModelState {
  lastVersion: number;
  versions: ModelVersion[];
  aliases: Map<string, number>;
  history: StageTransition[];
}

/** The store on memory: a promise chain per model stands for the row lock; a failed unit of work is undone. */
class InMemoryModelRegistryStore extends ModelRegistryStore {
  readonly models = new Map<string, ModelState>();
  readonly outbox: OutboxItem[] = [];
  private readonly locks = new Map<string, Promise<unknown>>();

  async createModel(input: { name: string }): Promise<boolean> {
    if (this.models.has(input.name)) return false;
    this.models.set(input.name, { lastVersion: 0, versions: [], aliases: new Map(), history: [] });
    return true;
  }
  async getModel(name: string): Promise<RegisteredModel | undefined> {
    const m = this.models.get(name);
    if (m === undefined) return undefined;
    return {
      name, description: null, creationTime: 0, lastUpdatedTime: 0, tags: [],
      aliases: [...m.aliases].map(([alias, version]) => ({ alias, version })).sort((a, b) => (a.alias < b.alias ? -1 : 1)),
      latestVersions: [],
    };
  }
  async searchModels(): Promise<RegisteredModel[]> { return []; }
  async updateModel(name: string): Promise<boolean> { return this.models.has(name); }
  async deleteModel(name: string): Promise<boolean> { return this.models.delete(name); }
  async setModelTag(): Promise<void> {}
  async getVersion(name: string, version: number): Promise<ModelVersion | undefined> {
    return this.models.get(name)?.versions.find((v) => v.version === version);
  }
  async searchVersions(): Promise<ModelVersion[]> { return []; }
  async setVersionTag(): Promise<void> {}
  async updateVersion(): Promise<boolean> { return true; }
  async deleteVersion(): Promise<boolean> { return true; }
  async history(name: string): Promise<StageTransition[]> { return this.models.get(name)?.history ?? []; }

  withModelLock<T>(name: string, work: (model: LockedModel) => Promise<T>): Promise<T | undefined> {
    const previous = this.locks.get(name) ?? Promise.resolve();
    const next = previous.then(async () => {
      const state = this.models.get(name);
      if (state === undefined) return undefined;
      const snapshot = structuredClone({ ...state, aliases: [...state.aliases] });
      const outboxLength = this.outbox.length;
      try {
        return await work(this.locked(name, state));
      } catch (error) {
        Object.assign(state, { ...snapshot, aliases: new Map(snapshot.aliases) });
        this.outbox.length = outboxLength;
        throw error;
      }
    });
    this.locks.set(name, next.catch(() => undefined));
    return next;
  }

  private locked(name: string, s: ModelState): LockedModel {
    const outbox = this.outbox;
    const withAliases = (v: ModelVersion): ModelVersion => ({
      ...v, aliases: [...s.aliases].filter(([, n]) => n === v.version).map(([a]) => a),
    });
    return {
      name,
      versions: async () => s.versions.map(withAliases),
      insertVersion: async (input: NewModelVersion, now: number) => {
        // Yield between allocation and insert, as a database round trip would.
        const version = ++s.lastVersion;
        await Promise.resolve();
        const v: ModelVersion = { ...input, name, version, status: 'READY', currentStage: 'None', creationTime: now, lastUpdatedTime: now, aliases: [] };
        s.versions.push(v);
        return v;
      },
      setStage: async (version: number, stage: Stage, now: number) => {
        s.versions = s.versions.map((v) => (v.version === version ? { ...v, currentStage: stage, lastUpdatedTime: now } : v));
      },
      aliasVersion: async (alias: string) => s.aliases.get(alias),
      setAlias: async (alias: string, version: number) => void s.aliases.set(alias, version),
      deleteAlias: async (alias: string) => s.aliases.delete(alias),
      recordTransitions: async (entries: readonly { version: number; fromStage: Stage; toStage: Stage; kind: TransitionKind; actor: string; reason: string }[]) => {
        for (const e of entries) s.history.push({ ...e, name, at: new Date().toISOString() });
      },
      history: async () => [...s.history],
      enqueue: async (item: OutboxItem) => void outbox.push(item),
    };
  }
}

class CountingFlusher extends OutboxFlusher {
  flushes = 0;
  async flush(): Promise<void> {
    this.flushes++;
  }
}

class NoArtifacts extends ArtifactDigests {
  async digestOf(): Promise<string | undefined> { return undefined; }
  async has(): Promise<boolean> { return false; }
}

/** A store under test, and the events its transactions left in the outbox (oldest first). */
interface Backend {
  readonly store: ModelRegistryStore;
  outbox(): Promise<{ topic: TopicContract | undefined; payload: unknown }[]>;
  close(): Promise<void>;
}

/** The same rules on memory and on the SQLite tables of laptop mode (sql.js, in memory). */
const backends: [string, () => Promise<Backend>][] = [
  [
    'memory',
    async () => {
      const store = new InMemoryModelRegistryStore();
      return { store, outbox: async () => store.outbox.map((o) => ({ topic: o.topic, payload: o.payload })), close: async () => undefined };
    },
  ],
  [
    'SQLite (sql.js)',
    async () => {
      const { dataSource } = await openSqliteRegistryDataSource();
      return {
        store: new SqliteModelRegistryStore(dataSource),
        outbox: async () =>
          ((await dataSource.query(`SELECT topic, payload FROM outbox ORDER BY rowid`)) as { topic: string; payload: string }[]).map((r) => ({
            topic: topicByName(r.topic),
            payload: JSON.parse(r.payload) as unknown,
          })),
        close: () => dataSource.destroy(),
      };
    },
  ],
];

describe.each(backends)('ModelRegistryService on %s', (_name, open) => {
  let backend: Backend;
  let store: ModelRegistryStore;
  let flusher: CountingFlusher;
  let sut: ModelRegistryService;

  beforeEach(async () => {
    backend = await open();
    store = backend.store;
    flusher = new CountingFlusher();
    sut = new ModelRegistryService(store, flusher, new NoArtifacts());
  });
  afterEach(() => backend.close());

  async function modelWith(n: number, name = 'churn-predictor'): Promise<string> {
    await sut.createModel(name);
    for (let i = 0; i < n; i++) await sut.createVersion(name, { source: 's3://x', runId: `run${i}` });
    return name;
  }

  const stages = async (name: string) => (await store.withModelLock(name, (m) => m.versions()))?.map((v) => `${v.version}:${v.currentStage}`);
  const aliases = async (name: string) => (await sut.getModel(name)).aliases.map((a) => [a.alias, a.version]);

  it('numbers versions 1, 2, 3 per model, also when created concurrently', async () => {
    await sut.createModel('m');
    const created = await Promise.all([1, 2, 3, 4].map(() => sut.createVersion('m', {})));
    expect(created.map((v) => v.version).sort()).toEqual([1, 2, 3, 4]);
    await expect(sut.createVersion('missing', {})).rejects.toThrow('Registered Model with name=missing not found');
  });

  it('refuses a second model of the same name and names outside the event contract', async () => {
    await sut.createModel('m');
    await expect(sut.createModel('m')).rejects.toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS' });
    await expect(sut.createModel('bad name!')).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
  });

  it('transition with archive_existing_versions archives the other holders of the stage and records who and why', async () => {
    const name = await modelWith(3);
    await sut.transitionStage(name, 1, { stage: 'Production', actor: 'alice' });
    await sut.transitionStage(name, 2, { stage: 'production' });
    expect(await stages(name)).toEqual(['1:Production', '2:Production', '3:None']);
    await sut.transitionStage(name, 3, { stage: 'Production', archiveExistingVersions: true, actor: 'bob', reason: 'better auc' });
    expect(await stages(name)).toEqual(['1:Archived', '2:Archived', '3:Production']);
    const history = await sut.history(name);
    expect(history.slice(-3).map((h) => [h.version, h.fromStage, h.toStage, h.kind, h.actor])).toEqual([
      [3, 'None', 'Production', 'transition', 'bob'],
      [1, 'Production', 'Archived', 'archive-existing', 'bob'],
      [2, 'Production', 'Archived', 'archive-existing', 'bob'],
    ]);
    expect(history.at(-3)?.reason).toBe('better auc');
    const last = (await backend.outbox()).at(-1);
    expect(last?.topic).toBe(topics.modelPromoted);
    expect(last?.payload).toEqual({
      modelName: name, version: 3, fromStage: 'None', toStage: 'Production', archivedVersions: [1, 2], promotedBy: 'bob', reason: 'better auc',
    });
    expect(flusher.flushes).toBe(3);
  });

  it('does not archive others for stages None and Archived, and refuses unknown stages', async () => {
    const name = await modelWith(2);
    await sut.transitionStage(name, 1, { stage: 'Archived', archiveExistingVersions: true });
    await sut.transitionStage(name, 2, { stage: 'Archived', archiveExistingVersions: true });
    expect(await stages(name)).toEqual(['1:Archived', '2:Archived']);
    await expect(sut.transitionStage(name, 1, { stage: 'Prod' })).rejects.toThrow(
      'Invalid Model Version stage: Prod. Value must be one of None, Staging, Production, Archived.',
    );
    await expect(sut.transitionStage(name, 9, { stage: 'Staging' })).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });

  it('two concurrent promotions leave one Production version (the lock serializes them)', async () => {
    const name = await modelWith(3);
    await Promise.all([
      sut.transitionStage(name, 2, { stage: 'Production', archiveExistingVersions: true }),
      sut.transitionStage(name, 3, { stage: 'Production', archiveExistingVersions: true }),
    ]);
    expect(await stages(name)).toEqual(['1:None', '2:Archived', '3:Production']);
  });

  it('an alias names one version per model: setting it again moves it', async () => {
    const name = await modelWith(2);
    await sut.setAlias(name, 'champion', 1, 'alice');
    await sut.setAlias(name, 'champion', 2, 'alice');
    await sut.setAlias(name, 'challenger', 1);
    expect(await aliases(name)).toEqual([['challenger', 1], ['champion', 2]]);
    expect((await sut.getVersionByAlias(name, 'champion')).version).toBe(2);
    expect((await backend.outbox()).map((o) => o.payload)).toEqual([
      expect.objectContaining({ alias: 'champion', version: 1 }),
      expect.objectContaining({ alias: 'champion', version: 2 }),
      expect.objectContaining({ alias: 'challenger', version: 1 }),
    ]);
    await expect(sut.setAlias(name, 'latest', 1)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(sut.setAlias(name, 'Champion', 1)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(sut.setAlias(name, 'champion', 7)).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    await sut.deleteAlias(name, 'champion');
    await expect(sut.getVersionByAlias(name, 'champion')).rejects.toThrow('Registered model alias champion not found.');
  });

  it('rollback restores the previous Production version, archives the current, moves champion and records it', async () => {
    const name = await modelWith(3);
    await sut.transitionStage(name, 1, { stage: 'Production', archiveExistingVersions: true });
    await sut.transitionStage(name, 2, { stage: 'Production', archiveExistingVersions: true });
    await sut.setAlias(name, 'champion', 2);
    const result = await sut.rollback(name, { actor: 'oncall', reason: 'p99 latency' });
    expect(result.fromVersion).toBe(2);
    expect(result.toVersion.version).toBe(1);
    expect(await stages(name)).toEqual(['1:Production', '2:Archived', '3:None']);
    expect(await aliases(name)).toEqual([['champion', 1]]);
    expect((await sut.history(name)).slice(-2).map((h) => [h.version, h.fromStage, h.toStage, h.kind, h.reason])).toEqual([
      [2, 'Production', 'Archived', 'rollback', 'p99 latency'],
      [1, 'Archived', 'Production', 'rollback', 'p99 latency'],
    ]);
    expect((await backend.outbox()).at(-1)).toEqual({
      topic: topics.modelRolledBack,
      payload: { modelName: name, fromVersion: 2, toVersion: 1, stage: 'Production', reason: 'p99 latency', actor: 'oncall' },
    });
  });

  it('a second rollback goes further back, skipping the version rolled back, or fails with INVALID_STATE', async () => {
    const name = await modelWith(3);
    for (const v of [1, 2, 3]) await sut.transitionStage(name, v, { stage: 'Production', archiveExistingVersions: true });
    expect((await sut.rollback(name)).toVersion.version).toBe(2);
    expect((await sut.rollback(name)).toVersion.version).toBe(1);
    const error = await sut.rollback(name).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect(error).toMatchObject({ code: 'INVALID_STATE', httpStatus: 409 });
    expect(await stages(name)).toEqual(['1:Production', '2:Archived', '3:Archived']);
  });

  it('rollback with nothing in the stage fails without changing anything', async () => {
    const name = await modelWith(1);
    const outboxBefore = (await backend.outbox()).length;
    await expect(sut.rollback(name)).rejects.toThrow(`No version of ${name} is in Production: nothing to roll back`);
    await expect(sut.rollback(name, { stage: 'Archived' })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    expect((await backend.outbox()).length).toBe(outboxBefore);
    expect(await stages(name)).toEqual(['1:None']);
  });

  it('refuses a checksum that does not match the stored ONNX artifact', async () => {
    const digest = 'a'.repeat(64);
    const withArtifact = new ModelRegistryService(store, flusher, new (class extends ArtifactDigests {
      async digestOf(): Promise<string | undefined> { return digest; }
      async has(d: string): Promise<boolean> { return d === digest; }
    })());
    await withArtifact.createModel('onnx-model');
    const v = await withArtifact.createVersion('onnx-model', { runId: 'r', onnxArtifactPath: 'model/model.onnx', checksum: `sha256:${digest}` });
    expect(v.checksum).toBe(`sha256:${digest}`);
    await expect(withArtifact.createVersion('onnx-model', { onnxDigest: digest, checksum: 'sha256:' + 'b'.repeat(64) })).rejects.toThrow(
      'does not match the stored ONNX artifact',
    );
    await expect(withArtifact.createVersion('onnx-model', { onnxDigest: 'c'.repeat(64) })).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });
});

export type { KeyValue };

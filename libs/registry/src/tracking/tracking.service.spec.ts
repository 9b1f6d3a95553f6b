import { openSqliteRegistryDataSource } from '../embedded/embedded-registry.js';
import { SqliteTrackingStore } from './sqlite-tracking.store.js';
import { TrackingStore, type TrackingWriter } from './tracking.store.js';
import { TrackingService } from './tracking.service.js';
import type { Experiment, KeyValue, LifecycleStage, Metric, Run, RunInfo } from './tracking.types.js';

interface RunState {
  info: RunInfo;
  params: Map<string, string>;
  metrics: Metric[];
  tags: Map<string, string>;
}

/** Tracking store on memory; a transaction that throws leaves no trace (state restored). */
class InMemoryTrackingStore extends TrackingStore {
  readonly experiments = new Map<string, Experiment>();
  readonly runs = new Map<string, RunState>();

  async createExperiment(input: { name: string; artifactLocation: string | undefined; defaultLocationPrefix: string; tags: readonly KeyValue[]; now: number }): Promise<Experiment> {
    const id = String(this.experiments.size + 1);
    const e: Experiment = { experimentId: id, name: input.name, artifactLocation: input.artifactLocation ?? `${input.defaultLocationPrefix}${id}`, lifecycleStage: 'active', creationTime: input.now, lastUpdateTime: input.now, tags: input.tags };
    this.experiments.set(id, e);
    return e;
  }
  async getExperiment(id: string): Promise<Experiment | undefined> { return this.experiments.get(id); }
  async getExperimentByName(name: string): Promise<Experiment | undefined> { return [...this.experiments.values()].find((e) => e.name === name); }
  async searchExperiments(): Promise<Experiment[]> { return [...this.experiments.values()]; }
  async setExperimentTag(): Promise<void> {}
  async setExperimentLifecycle(): Promise<void> {}
  async createRun(info: RunInfo, tags: readonly KeyValue[]): Promise<void> {
    this.runs.set(info.runId, { info, params: new Map(), metrics: [], tags: new Map(tags.map((t) => [t.key, t.value])) });
  }
  async getRun(runId: string): Promise<Run | undefined> {
    const r = this.runs.get(runId);
    // By key, as the SQL stores return them.
    const byKey = (m: Map<string, string>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, value]) => ({ key, value }));
    return r && { info: r.info, params: byKey(r.params), metrics: r.metrics, tags: byKey(r.tags) };
  }
  async updateRun(runId: string, patch: Partial<RunInfo>): Promise<RunInfo | undefined> {
    const r = this.runs.get(runId);
    if (r === undefined) return undefined;
    r.info = { ...r.info, ...patch };
    return r.info;
  }
  async setRunLifecycle(runId: string, stage: LifecycleStage): Promise<void> {
    const r = this.runs.get(runId);
    if (r) r.info = { ...r.info, lifecycleStage: stage };
  }
  async transaction<T>(work: (writer: TrackingWriter) => Promise<T>): Promise<T> {
    const snapshot = new Map([...this.runs].map(([id, r]) => [id, { info: r.info, params: new Map(r.params), metrics: [...r.metrics], tags: new Map(r.tags) }]));
    const writer: TrackingWriter = {
      runLifecycle: async (runId) => this.runs.get(runId)?.info.lifecycleStage,
      insertParamsIfAbsent: async (runId, params) => {
        const r = this.runs.get(runId) as RunState;
        const existing: KeyValue[] = [];
        for (const p of params) {
          const stored = r.params.get(p.key);
          if (stored === undefined) r.params.set(p.key, p.value);
          else existing.push({ key: p.key, value: stored });
        }
        return existing;
      },
      appendMetrics: async (runId, metrics) => void (this.runs.get(runId) as RunState).metrics.push(...metrics),
      setTags: async (runId, tags) => tags.forEach((t) => (this.runs.get(runId) as RunState).tags.set(t.key, t.value)),
      setRunName: async (runId, name) => {
        const r = this.runs.get(runId) as RunState;
        r.info = { ...r.info, runName: name };
      },
    };
    try {
      return await work(writer);
    } catch (error) {
      this.runs.clear();
      for (const [id, r] of snapshot) this.runs.set(id, r);
      throw error;
    }
  }
  async metricHistory(runId: string, key: string): Promise<Metric[]> { return (this.runs.get(runId)?.metrics ?? []).filter((m) => m.key === key); }
  async searchRuns(): Promise<Run[]> { return []; }
}

/** The same rules on memory and on the SQLite tables of laptop mode (sql.js, in memory). */
const stores: [string, () => Promise<{ store: TrackingStore; close(): Promise<void> }>][] = [
  ['memory', async () => ({ store: new InMemoryTrackingStore(), close: async () => undefined })],
  [
    'SQLite (sql.js)',
    async () => {
      const { dataSource } = await openSqliteRegistryDataSource();
      return { store: new SqliteTrackingStore(dataSource), close: () => dataSource.destroy() };
    },
  ],
];

describe.each(stores)('TrackingService on %s', (_name, open) => {
  let close: () => Promise<void>;
  let sut: TrackingService;
  let runId: string;

  afterEach(() => close());
  beforeEach(async () => {
    const opened = await open();
    close = opened.close;
    sut = new TrackingService(opened.store);
    const e = await sut.createExperiment('churn');
    runId = (await sut.createRun({ experimentId: e.experimentId, startTime: 5 })).info.runId;
  });

  it('creates runs with a 32-hex id, RUNNING, an artifact uri under the experiment and the mlflow.runName tag', async () => {
    const run = await sut.getRun(runId);
    expect(run.info.runId).toMatch(/^[0-9a-f]{32}$/);
    expect(run.info.status).toBe('RUNNING');
    expect(run.info.artifactUri).toBe(`mlflow-artifacts:/1/${runId}/artifacts`);
    expect(run.tags).toContainEqual({ key: 'mlflow.runName', value: run.info.runName });
    const named = await sut.createRun({ experimentId: '1', tags: [{ key: 'mlflow.runName', value: 'xgb-1' }] });
    expect(named.info.runName).toBe('xgb-1');
    await expect(sut.createExperiment('churn')).rejects.toMatchObject({ code: 'RESOURCE_ALREADY_EXISTS' });
    await expect(sut.createRun({ experimentId: '99' })).rejects.toThrow('No Experiment with id=99 exists');
  });

  it('params are write-once: the same value again is accepted', async () => {
    await sut.logParam(runId, { key: 'model', value: 'LR' });
    await sut.logParam(runId, { key: 'model', value: 'LR' });
    await sut.logBatch(runId, { params: [{ key: 'model', value: 'LR' }, { key: 'C', value: '1' }] });
    expect((await sut.getRun(runId)).params).toEqual([{ key: 'C', value: '1' }, { key: 'model', value: 'LR' }]);
  });

  it('a different value is INVALID_PARAMETER_VALUE with MLflow wording, and nothing of the batch is kept', async () => {
    await sut.logParam(runId, { key: 'model', value: 'LR' });
    const call = sut.logBatch(runId, {
      params: [{ key: 'new', value: 'x' }, { key: 'model', value: 'XGB' }],
      metrics: [{ key: 'auc', value: 0.9, timestamp: 1, step: 0 }],
      tags: [{ key: 't', value: 'v' }],
    });
    await expect(call).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      httpStatus: 400,
      message: `Changing param values is not allowed. Param with key='model' was already logged with value='LR' for run ID='${runId}'. Attempted logging new value 'XGB'.`,
    });
    const run = await sut.getRun(runId);
    expect(run.params).toEqual([{ key: 'model', value: 'LR' }]);
    expect(run.metrics).toEqual([]);
    expect(run.tags.find((t) => t.key === 't')).toBeUndefined();
  });

  it('refuses two values of one key within a batch', async () => {
    await expect(sut.logBatch(runId, { params: [{ key: 'a', value: '1' }, { key: 'a', value: '2' }] })).rejects.toThrow(
      "Duplicate parameter keys have been submitted: ['a']",
    );
  });

  it('metrics are appended, never replaced; tags may be overwritten', async () => {
    await sut.logMetric(runId, { key: 'auc', value: 0.7, timestamp: 1, step: 0 });
    await sut.logMetric(runId, { key: 'auc', value: 0.7, timestamp: 1, step: 0 });
    await sut.logMetric(runId, { key: 'auc', value: Number.NaN, timestamp: 2, step: 1 });
    expect((await sut.metricHistory(runId, 'auc')).map((m) => m.value)).toEqual([0.7, 0.7, Number.NaN]);
    await sut.setTag(runId, { key: 'owner', value: 'a' });
    await sut.setTag(runId, { key: 'owner', value: 'b' });
    expect((await sut.getRun(runId)).tags).toContainEqual({ key: 'owner', value: 'b' });
  });

  it.each([
    [{ metrics: 1001, params: 0, tags: 0 }, 'A batch logging request can contain at most 1000 metrics. Got 1001 metrics.'],
    [{ metrics: 0, params: 101, tags: 0 }, 'A batch logging request can contain at most 100 params. Got 101 params.'],
    [{ metrics: 0, params: 0, tags: 101 }, 'A batch logging request can contain at most 100 tags. Got 101 tags.'],
    [{ metrics: 900, params: 100, tags: 1 }, 'A batch logging request can contain at most 1000 total entities (metrics + params + tags). Got 1001 entities.'],
  ])('log-batch limit %j', async (counts, message) => {
    const batch = {
      metrics: Array.from({ length: counts.metrics }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })),
      params: Array.from({ length: counts.params }, (_, i) => ({ key: `p${i}`, value: '1' })),
      tags: Array.from({ length: counts.tags }, (_, i) => ({ key: `t${i}`, value: '1' })),
    };
    await expect(sut.logBatch(runId, batch)).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining(message) });
    expect((await sut.getRun(runId)).params).toEqual([]);
  });

  it('accepts exactly the limits', async () => {
    await sut.logBatch(runId, { metrics: Array.from({ length: 1000 }, (_, i) => ({ key: 'm', value: i, timestamp: i, step: i })) });
    expect((await sut.metricHistory(runId, 'm')).length).toBe(1000);
  });

  it('refuses logging to a deleted run, bad keys and an unknown status', async () => {
    await expect(sut.logParam(runId, { key: '../etc', value: 'x' })).rejects.toMatchObject({ code: 'INVALID_PARAMETER_VALUE' });
    await expect(sut.updateRun(runId, { status: 'DONE' })).rejects.toThrow("Invalid run status 'DONE'");
    await sut.deleteRun(runId);
    await expect(sut.logParam(runId, { key: 'a', value: 'x' })).rejects.toThrow(`The run ${runId} must be in the 'active' state. Current state is deleted.`);
    await expect(sut.logParam('f'.repeat(32), { key: 'a', value: 'x' })).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
  });
});

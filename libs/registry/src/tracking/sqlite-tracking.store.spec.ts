import type { DataSource } from 'typeorm';
import { openSqliteRegistryDataSource } from '../embedded/embedded-registry.js';
import { parseRunFilter } from './run-filter.js';
import { SqliteTrackingStore } from './sqlite-tracking.store.js';
import { TrackingService } from './tracking.service.js';
import type { RunQuery } from './tracking.types.js';

/** Search on the SQLite tables: the PostgreSQL store's semantics in SQLite's dialect. */
describe('SqliteTrackingStore search', () => {
  let dataSource: DataSource;
  let sut: TrackingService;
  let experimentId: string;
  const ids: Record<string, string> = {};

  beforeEach(async () => {
    ({ dataSource } = await openSqliteRegistryDataSource());
    sut = new TrackingService(new SqliteTrackingStore(dataSource));
    experimentId = (await sut.createExperiment('Churn_v1')).experimentId;
    const runs: [string, number, string, number | undefined][] = [
      ['lr', 0.81, 'LR', 100],
      ['xgb', 0.84, 'XGB', 200],
      ['rf', Number.NaN, 'RF', 300],
      ['bare', 0.5, 'LR', undefined],
    ];
    for (const [name, auc, model, start] of runs) {
      const run = await sut.createRun({
        experimentId,
        runName: name,
        startTime: start ?? 50,
        tags: [{ key: 'owner', value: `Team-${name}` }],
      });
      ids[name] = run.info.runId;
      await sut.logBatch(run.info.runId, {
        params: [{ key: 'model', value: model }],
        metrics: [{ key: 'auc', value: auc, timestamp: 1, step: 0 }],
      });
    }
    await sut.updateRun(ids['lr'] as string, { status: 'FINISHED', endTime: 150 });
  });
  afterEach(() => dataSource.destroy());

  async function search(filter: string, extra: Partial<RunQuery> = {}): Promise<string[]> {
    const runs = await sut.searchRuns({
      experimentIds: [experimentId],
      clauses: parseRunFilter(filter),
      viewType: 'ACTIVE_ONLY',
      orderBy: [],
      maxResults: 100,
      offset: 0,
      ...extra,
    });
    return runs.map((r) => r.info.runName);
  }

  it('filters on metrics (a NaN matches no comparison), params, tags and attributes', async () => {
    expect(await search('metrics.auc > 0.8')).toEqual(['xgb', 'lr']);
    expect(await search('metrics.auc < 2')).toEqual(['xgb', 'lr', 'bare']);
    expect(await search(`params.model = 'LR'`)).toEqual(['lr', 'bare']);
    expect(await search(`params.model != 'LR'`)).toEqual(['rf', 'xgb']);
    expect(await search(`params.model IN ('XGB', 'RF')`)).toEqual(['rf', 'xgb']);
    expect(await search(`tags.owner LIKE 'Team-%b'`)).toEqual(['xgb']);
    expect(await search(`tags.owner LIKE 'team-%'`)).toEqual([]);
    expect(await search(`tags.owner ILIKE 'team-%B'`)).toEqual(['xgb']);
    expect(await search(`attributes.status = 'FINISHED'`)).toEqual(['lr']);
    expect(await search(`attributes.status != 'FINISHED' and metrics.auc >= 0.5`)).toEqual(['xgb', 'bare']);
  });

  it('orders by a metric with runs that lack it last, then by start time, and pages with one extra row', async () => {
    const order = [{ kind: 'metric' as const, key: 'auc', ascending: false }];
    // NaN sorts above every number, as in PostgreSQL.
    expect(await search('', { orderBy: order })).toEqual(['rf', 'xgb', 'lr', 'bare']);
    expect(await search('', { orderBy: [{ kind: 'metric', key: 'auc', ascending: true }] })).toEqual([
      'bare',
      'lr',
      'xgb',
      'rf',
    ]);
    expect(await search('', { orderBy: [{ kind: 'attribute', key: 'end_time', ascending: true }] })).toEqual([
      'lr',
      'rf',
      'xgb',
      'bare',
    ]);
    expect(await search('', { orderBy: order, maxResults: 1, offset: 1 })).toEqual(['xgb', 'lr']);
  });

  it('hides deleted runs unless asked, and reads the latest metric by step', async () => {
    await sut.deleteRun(ids['rf'] as string);
    expect(await search('')).toEqual(['xgb', 'lr', 'bare']);
    expect(await search('', { viewType: 'DELETED_ONLY' })).toEqual(['rf']);
    await sut.logBatch(ids['lr'] as string, {
      metrics: [
        { key: 'auc', value: 0.7, timestamp: 9, step: 2 },
        { key: 'auc', value: 0.99, timestamp: 5, step: 1 },
      ],
    });
    expect((await sut.getRun(ids['lr'] as string)).metrics).toEqual([
      { key: 'auc', value: 0.7, timestamp: 9, step: 2 },
    ]);
    expect((await sut.metricHistory(ids['lr'] as string, 'auc')).map((m) => m.value)).toEqual([
      0.81, 0.99, 0.7,
    ]);
  });

  it('searches experiments by name with LIKE (case-sensitive, `\\` escapes) and ILIKE', async () => {
    await sut.createExperiment('Churn-v2');
    const names = async (pattern: string, caseInsensitive: boolean) =>
      (
        await sut.searchExperiments({
          viewType: 'ACTIVE_ONLY',
          nameLike: { pattern, caseInsensitive },
          maxResults: 10,
          offset: 0,
        })
      ).map((e) => e.name);
    expect(await names('Churn%', false)).toEqual(['Churn_v1', 'Churn-v2']);
    expect(await names('churn%', false)).toEqual([]);
    expect(await names('churn%', true)).toEqual(['Churn_v1', 'Churn-v2']);
    expect(await names('Churn\\_%', false)).toEqual(['Churn_v1']);
    expect(
      (await sut.searchExperiments({ viewType: 'ALL', maxResults: 10, offset: 0 })).map(
        (e) => e.experimentId,
      ),
    ).toEqual(['0', '1', '2']);
  });
});

/**
 * Run search on real PostgreSQL (TypeOrmTrackingStore.searchRuns), in a schema of its own, against
 * the expected pages computed here from what was logged:
 * - default order start_time DESC then run id, pages of `maxResults` (+1 signalling a next page)
 *   that together list every active run of the experiment once, other experiments excluded;
 * - a metric and param filter ordered by the metric (NaN matches no comparison; runs without the
 *   metric come last when ordering by it), several experiments at once, deleted runs only.
 */
import { jest } from '@jest/globals';
import { TrackingService, TypeOrmTrackingStore, parseRunFilter, parseRunOrder, type Run, type RunQuery, type ViewType } from '@mlops/registry';
import { openRegistrySchema, type RegistrySchema } from './support/registry-schema.js';

jest.setTimeout(60_000);

interface Logged {
  runId: string;
  experimentId: string;
  startTime: number;
  auc: number | undefined;
  model: string;
  deleted: boolean;
}

let registry: RegistrySchema;
let sut: TrackingService;
let experimentA: string;
let experimentB: string;
const logged: Logged[] = [];

beforeAll(async () => {
  registry = await openRegistrySchema('registry_test_search');
  sut = new TrackingService(new TypeOrmTrackingStore(registry.dataSource));
  experimentA = (await sut.createExperiment('search-a')).experimentId;
  experimentB = (await sut.createExperiment('search-b')).experimentId;
  for (let i = 0; i < 40; i++) {
    const experimentId = i % 8 === 7 ? experimentB : experimentA;
    // Start times repeat (ties are broken by run id); every 9th run has no auc, every 11th a NaN auc.
    const startTime = 1_000 + (i % 6);
    const auc = i % 9 === 4 ? undefined : i % 11 === 3 ? Number.NaN : ((i * 37) % 100) / 100;
    const model = i % 3 === 0 ? 'LR' : 'XGB';
    const { runId } = (await sut.createRun({ experimentId, startTime })).info;
    await sut.logBatch(runId, {
      params: [{ key: 'model', value: model }],
      metrics: auc === undefined ? [] : [{ key: 'auc', value: auc, timestamp: 1, step: 0 }],
    });
    const deleted = i % 10 === 5;
    if (deleted) await sut.deleteRun(runId);
    logged.push({ runId, experimentId, startTime, auc, model, deleted });
  }
});

afterAll(async () => {
  await registry?.drop();
});

const byDefaultOrder = (a: Logged, b: Logged): number =>
  b.startTime - a.startTime || (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0);

function query(experimentIds: string[], filter: string, orderBy: string[], maxResults: number, offset = 0, viewType: ViewType = 'ACTIVE_ONLY'): RunQuery {
  return { experimentIds, clauses: parseRunFilter(filter), orderBy: parseRunOrder(orderBy), viewType, maxResults, offset };
}

async function allPages(q: (offset: number) => RunQuery): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; ) {
    const page: Run[] = await sut.searchRuns(q(offset));
    const max = q(offset).maxResults;
    ids.push(...page.slice(0, max).map((r) => r.info.runId));
    if (page.length <= max) return ids;
    offset += max;
  }
}

describe('searchRuns on PostgreSQL', () => {
  it('pages through one experiment in start_time DESC, run id order', async () => {
    const expected = logged.filter((r) => r.experimentId === experimentA && !r.deleted).sort(byDefaultOrder).map((r) => r.runId);
    expect(expected.length).toBeGreaterThan(20);
    const first = await sut.searchRuns(query([experimentA], '', [], 7));
    expect(first.length).toBe(8);
    expect(first[0]?.params).toEqual([{ key: 'model', value: expect.any(String) }]);
    expect(await allPages((offset) => query([experimentA], '', [], 7, offset))).toEqual(expected);
  });

  it('filters on a metric and a param and orders by the metric (NaN never matches)', async () => {
    const expected = logged
      .filter((r) => r.experimentId === experimentA && !r.deleted && r.model === 'LR' && r.auc !== undefined && r.auc > 0.3)
      .sort((a, b) => (b.auc as number) - (a.auc as number) || byDefaultOrder(a, b))
      .map((r) => r.runId);
    expect(expected.length).toBeGreaterThan(3);
    expect(await allPages((offset) => query([experimentA], 'metrics.auc > 0.3 and params.model = "LR"', ['metrics.auc DESC'], 3, offset))).toEqual(
      expected,
    );
  });

  it('orders runs without the metric last, over several experiments', async () => {
    const active = logged.filter((r) => !r.deleted);
    const withAuc = active.filter((r) => r.auc !== undefined);
    // PostgreSQL orders NaN above every number: first in ascending order it is last.
    const rank = (r: Logged): number => (Number.isNaN(r.auc) ? Number.POSITIVE_INFINITY : (r.auc as number));
    const expected = [
      ...withAuc.sort((a, b) => rank(a) - rank(b) || byDefaultOrder(a, b)),
      ...active.filter((r) => r.auc === undefined).sort(byDefaultOrder),
    ].map((r) => r.runId);
    expect(await allPages((offset) => query([experimentA, experimentB], '', ['metrics.auc ASC'], 9, offset))).toEqual(expected);
  });

  it('lists the deleted runs only when asked', async () => {
    const expected = logged.filter((r) => r.experimentId === experimentA && r.deleted).sort(byDefaultOrder).map((r) => r.runId);
    expect(expected.length).toBeGreaterThan(1);
    expect(await allPages((offset) => query([experimentA], '', [], 100, offset, 'DELETED_ONLY'))).toEqual(expected);
  });
});

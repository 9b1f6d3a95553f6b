/**
 * Log-batch on real PostgreSQL through TypeOrmTrackingStore's one-statement path, in a schema of
 * its own (created with the registry's migrations, dropped at the end):
 * - NaN and ±Infinity are stored and read back as MLflow keeps them; the latest value of a key is
 *   the largest (step, timestamp, value), across batches too (an older step never wins);
 * - a missing run is NOT_FOUND and a deleted one INVALID_PARAMETER_VALUE, with nothing written;
 *   a changed param rolls the whole call back (metrics, tags, run name); tags keep their last value;
 * - the one-statement path and the portable transaction path (TrackingStore.logBatch) leave the
 *   same rows for the same calls;
 * - concurrent batches on one run keep every row and the right latest values (no deadlock);
 * - the statement-level run check of the metrics table (migration 1795726075000) refuses a metric
 *   of an unknown run (23503) and deleting a run deletes its metrics.
 */
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { DataSource } from 'typeorm';
import {
  RegistryError,
  TrackingService,
  TrackingStore,
  TypeOrmTrackingStore,
  type BatchChecks,
  type BatchWrite,
  type Metric,
} from '@mlops/registry';
import { openRegistrySchema, type RegistrySchema } from './support/registry-schema.js';

jest.setTimeout(60_000);

let registry: RegistrySchema;
let dataSource: DataSource;
let store: TypeOrmTrackingStore;
let sut: TrackingService;
let experimentId: string;

beforeAll(async () => {
  registry = await openRegistrySchema('registry_test_log_batch');
  dataSource = registry.dataSource;
  store = new TypeOrmTrackingStore(dataSource);
  sut = new TrackingService(store);
  experimentId = (await sut.createExperiment('log-batch')).experimentId;
});

afterAll(async () => {
  await registry?.drop();
});

async function newRun(): Promise<string> {
  return (await sut.createRun({ experimentId })).info.runId;
}

async function history(runId: string): Promise<{ key: string; value: number; timestamp: number; step: number }[]> {
  const rows = (await dataSource.query(`SELECT key, value, timestamp, step FROM metrics WHERE run_uuid = $1 ORDER BY id`, [
    runId,
  ])) as { key: string; value: number; timestamp: string; step: string }[];
  return rows.map((r) => ({ key: r.key, value: r.value, timestamp: Number(r.timestamp), step: Number(r.step) }));
}

async function latest(runId: string): Promise<Record<string, Metric>> {
  const run = await sut.getRun(runId);
  return Object.fromEntries(run.metrics.map((m) => [m.key, m]));
}

async function errorOf(work: Promise<unknown>): Promise<RegistryError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof RegistryError) return error;
    throw error;
  }
  throw new Error('expected a RegistryError');
}

describe('log-batch on PostgreSQL', () => {
  it('stores NaN and ±Infinity as MLflow does and keeps the largest (step, timestamp, value) as latest', async () => {
    const runId = await newRun();
    const metrics: Metric[] = [
      { key: 'loss', value: 0.5, timestamp: 10, step: 1 },
      { key: 'loss', value: Number.NaN, timestamp: 11, step: 2 },
      { key: 'loss', value: 0.25, timestamp: 9, step: 2 },
      { key: 'up', value: Number.POSITIVE_INFINITY, timestamp: 5, step: 0 },
      { key: 'down', value: Number.NEGATIVE_INFINITY, timestamp: 5, step: 0 },
      { key: 'tie', value: 1, timestamp: 5, step: 3 },
      { key: 'tie', value: Number.NaN, timestamp: 5, step: 3 },
      { key: 'tie', value: 2, timestamp: 5, step: 3 },
    ];
    await sut.logBatch(runId, { metrics });
    expect(await history(runId)).toEqual(metrics);
    const top = await latest(runId);
    expect(top['loss']).toEqual({ key: 'loss', value: Number.NaN, timestamp: 11, step: 2 });
    expect(top['up']?.value).toBe(Number.POSITIVE_INFINITY);
    expect(top['down']?.value).toBe(Number.NEGATIVE_INFINITY);
    // NaN counts as the largest value, as PostgreSQL orders it.
    expect(top['tie']?.value).toBeNaN();
    expect(await sut.metricHistory(runId, 'up')).toEqual([{ key: 'up', value: Number.POSITIVE_INFINITY, timestamp: 5, step: 0 }]);

    await sut.logBatch(runId, {
      metrics: [
        { key: 'loss', value: 0.1, timestamp: 99, step: 1 }, // older step: history only
        { key: 'up', value: 3, timestamp: 6, step: 0 }, // same step, later timestamp: new latest
      ],
    });
    const after = await latest(runId);
    expect(after['loss']).toEqual({ key: 'loss', value: Number.NaN, timestamp: 11, step: 2 });
    expect(after['up']).toEqual({ key: 'up', value: 3, timestamp: 6, step: 0 });
    expect((await history(runId)).length).toBe(metrics.length + 2);
  });

  it('writes nothing for a missing or deleted run, with MLflow errors', async () => {
    const missing = randomUUID().replace(/-/g, '');
    const notFound = await errorOf(sut.logBatch(missing, { metrics: [{ key: 'a', value: 1, timestamp: 1, step: 0 }] }));
    expect(notFound.code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(notFound.message).toBe(`Run '${missing}' not found`);

    const runId = await newRun();
    await sut.deleteRun(runId);
    const deleted = await errorOf(
      sut.logBatch(runId, {
        metrics: [{ key: 'a', value: 1, timestamp: 1, step: 0 }],
        params: [{ key: 'p', value: '1' }],
        tags: [{ key: 'mlflow.runName', value: 'renamed' }],
      }),
    );
    expect(deleted.code).toBe('INVALID_PARAMETER_VALUE');
    expect(deleted.message).toBe(`The run ${runId} must be in the 'active' state. Current state is deleted.`);
    await sut.restoreRun(runId);
    const run = await sut.getRun(runId);
    expect(await history(runId)).toEqual([]);
    expect(run.params).toEqual([]);
    expect(run.info.runName).not.toBe('renamed');
  });

  it('rolls the whole call back when a param changes; tags keep their last value and name the run', async () => {
    const runId = await newRun();
    await sut.logBatch(runId, {
      params: [{ key: 'model', value: 'LR' }],
      tags: [
        { key: 'mlflow.runName', value: 'first' },
        { key: 'team', value: 'a' },
        { key: 'team', value: 'b' },
      ],
    });
    let run = await sut.getRun(runId);
    expect(run.info.runName).toBe('first');
    expect(run.tags).toEqual(
      expect.arrayContaining([
        { key: 'team', value: 'b' },
        { key: 'mlflow.runName', value: 'first' },
      ]),
    );

    await sut.logBatch(runId, { params: [{ key: 'model', value: 'LR' }, { key: 'C', value: '1' }] });
    const refused = await errorOf(
      sut.logBatch(runId, {
        params: [{ key: 'model', value: 'XGB' }, { key: 'other', value: '2' }],
        metrics: [{ key: 'auc', value: 0.9, timestamp: 1, step: 0 }],
        tags: [{ key: 'mlflow.runName', value: 'second' }],
      }),
    );
    expect(refused.code).toBe('INVALID_PARAMETER_VALUE');
    expect(refused.message).toBe(
      `Changing param values is not allowed. Param with key='model' was already logged with value='LR' for run ID='${runId}'. Attempted logging new value 'XGB'.`,
    );
    run = await sut.getRun(runId);
    expect(run.params).toEqual([
      { key: 'C', value: '1' },
      { key: 'model', value: 'LR' },
    ]);
    expect(run.metrics).toEqual([]);
    expect(run.info.runName).toBe('first');
    expect(await history(runId)).toEqual([]);

    // Without params the call is one autocommitted statement: tags and the name still follow.
    await sut.logBatch(runId, { tags: [{ key: 'mlflow.runName', value: 'third' }], metrics: [{ key: 'auc', value: 0.5, timestamp: 2, step: 0 }] });
    run = await sut.getRun(runId);
    expect(run.info.runName).toBe('third');
    expect(run.tags).toContainEqual({ key: 'mlflow.runName', value: 'third' });
    expect(run.metrics).toEqual([{ key: 'auc', value: 0.5, timestamp: 2, step: 0 }]);
  });

  it('leaves the same rows as the portable transaction path', async () => {
    const fast = await newRun();
    const portable = await newRun();
    const portableLogBatch = (runId: string, batch: BatchWrite, checks: BatchChecks) =>
      TrackingStore.prototype.logBatch.call(store, runId, batch, checks);
    const batches: Metric[][] = [
      Array.from({ length: 300 }, (_, i) => ({ key: `m${i % 7}`, value: i % 11 === 0 ? Number.NaN : (i * 37) % 101, timestamp: 1000 + (i % 13), step: i % 17 })),
      Array.from({ length: 300 }, (_, i) => ({ key: `m${i % 9}`, value: (i * 7) % 5, timestamp: 2000 - i, step: 16 - (i % 3) })),
    ];
    const viaPortable = new TrackingService(
      new (class extends TypeOrmTrackingStore {
        override logBatch(runId: string, batch: BatchWrite, checks: BatchChecks): Promise<void> {
          return portableLogBatch(runId, batch, checks);
        }
      })(dataSource),
    );
    for (const metrics of batches) {
      await sut.logBatch(fast, { metrics, params: [{ key: 'p', value: '1' }], tags: [{ key: 't', value: 'x' }] });
      await viaPortable.logBatch(portable, { metrics, params: [{ key: 'p', value: '1' }], tags: [{ key: 't', value: 'x' }] });
    }
    expect(await history(fast)).toEqual(await history(portable));
    const a = await sut.getRun(fast);
    const b = await sut.getRun(portable);
    expect(a.metrics).toEqual(b.metrics);
    expect(a.params).toEqual(b.params);
    expect(a.tags.filter((t) => t.key !== 'mlflow.runName')).toEqual(b.tags.filter((t) => t.key !== 'mlflow.runName'));
  });

  it('keeps every row and the right latest values under concurrent batches on one run', async () => {
    const runId = await newRun();
    const batch = (b: number): Metric[] =>
      Array.from({ length: 1000 }, (_, k) => ({ key: `m${k % 20}`, value: k / 7, timestamp: 1_700_000_000_000 + k, step: b * 1000 + k }));
    await Promise.all(Array.from({ length: 8 }, (_, b) => sut.logBatch(runId, { metrics: batch(b) })));
    const [{ count }] = (await dataSource.query(`SELECT count(*)::int AS count FROM metrics WHERE run_uuid = $1`, [runId])) as [
      { count: number },
    ];
    expect(count).toBe(8000);
    const top = await latest(runId);
    expect(Object.keys(top).length).toBe(20);
    for (let key = 0; key < 20; key++) {
      const k = 980 + key; // the last k of the last batch with k % 20 === key
      expect(top[`m${key}`]).toEqual({ key: `m${key}`, value: k / 7, timestamp: 1_700_000_000_000 + k, step: 7000 + k });
    }
  });

  it('checks the run of inserted metrics once per statement and deletes them with their run', async () => {
    await expect(
      dataSource.query(`INSERT INTO metrics (run_uuid, key, value, timestamp, step) VALUES ('no-such-run', 'a', 1, 1, 0)`),
    ).rejects.toMatchObject({ code: '23503' });
    const runId = await newRun();
    await sut.logBatch(runId, { metrics: [{ key: 'a', value: 1, timestamp: 1, step: 0 }] });
    await expect(
      dataSource.query(
        `INSERT INTO metrics (run_uuid, key, value, timestamp, step) SELECT * FROM (VALUES ($1, 'a', 2::float8, 2::bigint, 1::bigint), ('no-such-run', 'a', 1, 1, 0)) v`,
        [runId],
      ),
    ).rejects.toMatchObject({ code: '23503' });
    expect((await history(runId)).length).toBe(1);
    const other = await newRun();
    await dataSource.query(
      `INSERT INTO metrics (run_uuid, key, value, timestamp, step) SELECT * FROM (VALUES ($1, 'a', 2::float8, 2::bigint, 1::bigint), ($2, 'a', 1, 1, 0)) v`,
      [runId, other],
    );
    expect((await history(runId)).length).toBe(2);
    await dataSource.query(`DELETE FROM runs WHERE run_uuid = $1`, [runId]);
    expect(await history(runId)).toEqual([]);
    expect((await history(other)).length).toBe(1);
  });
});

describe('migration 1795726075000 (metrics run check per statement)', () => {
  const checks = async (): Promise<string[]> => {
    const rows = (await dataSource.query(
      `SELECT conname AS name FROM pg_constraint WHERE conrelid = 'metrics'::regclass AND contype = 'f'
       UNION ALL SELECT tgname FROM pg_trigger WHERE tgrelid IN ('metrics'::regclass, 'runs'::regclass) AND NOT tgisinternal
       ORDER BY 1`,
    )) as { name: string }[];
    return rows.map((r) => r.name);
  };

  it('goes down to the foreign key and up again to the triggers', async () => {
    expect(await checks()).toEqual(['metrics_run_exists_insert', 'metrics_run_exists_update', 'runs_delete_metrics']);
    await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await checks()).toEqual(['metrics_run_uuid_fkey']);
    await dataSource.runMigrations({ transaction: 'each' });
    expect(await checks()).toEqual(['metrics_run_exists_insert', 'metrics_run_exists_update', 'runs_delete_metrics']);
  });
});

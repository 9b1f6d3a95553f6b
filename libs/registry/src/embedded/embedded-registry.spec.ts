import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { topics } from '@mlops/contracts';
import { InMemoryIdempotencyStore, InProcessEventBus } from '@mlops/messaging';
import { ModelVersionEntity, StageTransitionEntity } from '../database/registry.entities.js';
import { openEmbeddedRegistry, type EmbeddedRegistry } from './embedded-registry.js';

let dir: string;
let opened: EmbeddedRegistry[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'embedded-registry-'));
  opened = [];
});
afterEach(async () => {
  for (const r of opened) await r.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function open(
  options: Partial<Parameters<typeof openEmbeddedRegistry>[0]> = {},
): Promise<EmbeddedRegistry> {
  const registry = await openEmbeddedRegistry({ path: join(dir, 'registry.sqlite'), ...options });
  opened.push(registry);
  return registry;
}

async function text(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A run with an ONNX artifact, registered as a version of `name`. */
async function registerOne(r: EmbeddedRegistry, name: string, onnx: string): Promise<number> {
  const experiment = await r.tracking
    .getExperimentByName('churn')
    .catch(() => r.tracking.createExperiment('churn'));
  const run = await r.tracking.createRun({ experimentId: experiment.experimentId, runName: `train-${onnx}` });
  await r.tracking.logBatch(run.info.runId, {
    params: [{ key: 'model.max_depth', value: '6' }],
    metrics: [{ key: 'roc_auc', value: 0.84, timestamp: 1, step: 0 }],
  });
  await r.artifacts.put(
    `${experiment.experimentId}/${run.info.runId}/artifacts/model/model.onnx`,
    Buffer.from(onnx),
  );
  await r.models.createModel(name).catch(() => undefined);
  const version = await r.models.createVersion(name, {
    runId: run.info.runId,
    onnxArtifactPath: 'model/model.onnx',
    threshold: 0.4,
  });
  return version.version;
}

describe('openEmbeddedRegistry', () => {
  it('creates the SQLite file with the tables, and a reopened file has every committed change', async () => {
    const first = await open();
    expect(existsSync(first.path)).toBe(true);
    const v = await registerOne(first, 'churn-predictor', 'onnx-1');
    await first.models.transitionStage('churn-predictor', v, {
      stage: 'Staging',
      archiveExistingVersions: true,
      actor: 'cli',
    });
    await first.close();
    expect(existsSync(`${first.path}.lock`)).toBe(false);

    const second = await open();
    const version = await second.models.getVersion('churn-predictor', 1);
    expect(version).toMatchObject({
      currentStage: 'Staging',
      threshold: 0.4,
      checksum: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect(await text(await second.artifacts.openDigest(version.onnxDigest as string))).toBe('onnx-1');
    const run = await second.tracking.getRun(version.runId as string);
    expect(run.params).toEqual([{ key: 'model.max_depth', value: '6' }]);
    expect(run.metrics).toEqual([{ key: 'roc_auc', value: 0.84, timestamp: 1, step: 0 }]);
    expect(
      (await second.models.history('churn-predictor')).map((h) => [
        h.version,
        h.fromStage,
        h.toStage,
        h.actor,
      ]),
    ).toEqual([[1, 'None', 'Staging', 'cli']]);
    // The SQL view of the training history, as on PostgreSQL.
    const history = (await second.dataSource.query(
      `SELECT model, version, stage, params, final_metrics FROM training_history`,
    )) as {
      params: string;
      final_metrics: string;
    }[];
    expect(history).toEqual([
      {
        model: 'churn-predictor',
        version: 1,
        stage: 'Staging',
        params: '{"model.max_depth":"6"}',
        final_metrics: '{"roc_auc":0.84}',
      },
    ]);
  });

  it('lets one process at a time open the file: a second opener waits, then fails naming the holder', async () => {
    const first = await open();
    await expect(open({ lockTimeoutMs: 150 })).rejects.toThrow(
      new RegExp(
        `in use by process ${process.pid}@.* \\(lock file .*registry\\.sqlite\\.lock\\): wait for that command to finish`,
      ),
    );
    const waiting = open({ lockTimeoutMs: 5000 });
    await registerOne(first, 'churn-predictor', 'a');
    await first.close();
    const second = await waiting;
    expect((await second.models.getVersion('churn-predictor', 1)).version).toBe(1);
  });

  it('takes over a lock left by a process that no longer exists', async () => {
    writeFileSync(join(dir, 'registry.sqlite.lock'), `2147483646@${(await import('node:os')).hostname()}`);
    const registry = await open({ lockTimeoutMs: 100 });
    expect(await registry.models.searchModels({ maxResults: 10, offset: 0 })).toEqual([]);
  });

  it('relays the outbox through the in-process bus after each change, validated against the contracts', async () => {
    const bus = new InProcessEventBus({
      groupId: 'test',
      idempotencyStore: new InMemoryIdempotencyStore(),
      producerName: 'registry',
    });
    const seen: { eventId: string; payload: unknown }[] = [];
    bus.subscribe(
      topics.modelPromoted,
      (event) => void seen.push({ eventId: event.eventId, payload: event.payload }),
    );
    await bus.start();
    const warnings: string[] = [];
    const registry = await open({ events: bus, onWarning: (m) => warnings.push(m) });
    await registerOne(registry, 'churn-predictor', 'a');
    await registerOne(registry, 'churn-predictor', 'b');
    await registry.models.transitionStage('churn-predictor', 1, {
      stage: 'Staging',
      archiveExistingVersions: true,
      actor: 'cli',
    });
    await registry.models.transitionStage('churn-predictor', 2, {
      stage: 'Staging',
      archiveExistingVersions: true,
      actor: 'cli',
    });
    await bus.idle();
    expect(seen.map((e) => e.payload)).toEqual([
      {
        modelName: 'churn-predictor',
        version: 1,
        fromStage: 'None',
        toStage: 'Staging',
        promotedBy: 'cli',
        reason: 'transition to Staging',
      },
      {
        modelName: 'churn-predictor',
        version: 2,
        fromStage: 'None',
        toStage: 'Staging',
        archivedVersions: [1],
        promotedBy: 'cli',
        reason: 'transition to Staging',
      },
    ]);
    const rows = (await registry.dataSource.query(`SELECT id, published_at FROM outbox ORDER BY rowid`)) as {
      id: string;
      published_at: string;
    }[];
    expect(rows.map((r) => r.id)).toEqual(seen.map((e) => e.eventId));
    expect(rows.every((r) => typeof r.published_at === 'string')).toBe(true);
    expect(warnings).toEqual([]);

    // A row whose payload breaks its contract stays pending with the error, and is reported.
    await registry.dataSource.query(`INSERT INTO outbox (id, topic, payload) VALUES ('bad-row', ?1, ?2)`, [
      topics.modelPromoted.name,
      JSON.stringify({ modelName: 'churn-predictor', version: 0 }),
    ]);
    await registry.models.transitionStage('churn-predictor', 1, { stage: 'Production', actor: 'cli' });
    await bus.idle();
    expect(seen).toHaveLength(3);
    expect(warnings).toEqual([
      expect.stringContaining(`outbox event bad-row (${topics.modelPromoted.name}) not published`),
    ]);
    expect(
      await registry.dataSource.query(
        `SELECT attempts, published_at IS NULL AS pending FROM outbox WHERE id = 'bad-row'`,
      ),
    ).toEqual([{ attempts: 1, pending: 1 }]);
    await bus.close();
  });

  it('serves typed reads through the entities (SQLite types: datetime for timestamptz)', async () => {
    const registry = await open();
    await registerOne(registry, 'churn-predictor', 'a');
    await registry.models.transitionStage('churn-predictor', 1, {
      stage: 'Production',
      actor: 'cli',
      reason: 'first',
    });
    const version = await registry.dataSource
      .getRepository(ModelVersionEntity)
      .findOneByOrFail({ name: 'churn-predictor', version: 1 });
    expect(version).toMatchObject({ currentStage: 'Production', threshold: 0.4, inputSchema: null });
    const transition = await registry.dataSource
      .getRepository(StageTransitionEntity)
      .findOneByOrFail({ name: 'churn-predictor' });
    expect(transition.at).toBeInstanceOf(Date);
    expect(Math.abs(transition.at.getTime() - Date.now())).toBeLessThan(60_000);
    expect(transition).toMatchObject({
      fromStage: 'None',
      toStage: 'Production',
      kind: 'transition',
      reason: 'first',
    });
  });

  it('lists, reads and resolves artifacts by path on SQLite as on PostgreSQL', async () => {
    const registry = await open();
    const runId = 'a'.repeat(32);
    await registry.artifacts.put(`1/${runId}/artifacts/model/model.onnx`, Buffer.from('v1'));
    await registry.artifacts.put(`1/${runId}/artifacts/model/model.onnx`, Buffer.from('v2'));
    await registry.artifacts.put(`1/${runId}/artifacts/report.json`, Buffer.from('{}'));
    expect(await registry.artifacts.list(`1/${runId}/artifacts`)).toEqual([
      { path: 'model', isDir: true },
      { path: 'report.json', isDir: false, fileSize: 2 },
    ]);
    const got = await registry.artifacts.get(`1/${runId}/artifacts/model/model.onnx`);
    expect(await text(got.stream)).toBe('v2');
    expect(await registry.artifacts.digestOf(runId, 'model/model.onnx')).toBe(got.digest);
    expect(await registry.artifacts.digestOf(runId, 'model.onnx')).toBeUndefined();
  });
});

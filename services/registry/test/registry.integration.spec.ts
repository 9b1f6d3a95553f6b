/**
 * The registry service on the real stack (PostgreSQL, Kafka), as a process from its build:
 * - two simultaneous promotions of different versions to Production (archive_existing_versions)
 *   leave exactly one Production version and a complete history (the row lock serializes them);
 * - rollback restores the previous Production version in one call; the events
 *   mlops.model.promoted.v1 / mlops.model.rolled-back.v1 are published after commit (observed on Kafka);
 * - params are write-once (same value accepted, another refused with 400 INVALID_PARAMETER_VALUE
 *   and the whole batch rolled back); log-batch limits (1000 metrics, 100 params, 100 tags, 1000 items);
 * - the training history is queryable in SQL (view registry.training_history).
 */
import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import pg from 'pg';
import { parseEvent, topics } from '@mlops/contracts';
import { BROKERS, DATABASE_URL, call, startRegistry, type RegistryProcess } from './support/registry-process.js';

jest.setTimeout(120_000);

const PORT = 43215;
let registry: RegistryProcess;
let consumer: Consumer;
const promoted: { modelName: string; version: number; fromStage: string; toStage: string; archivedVersions?: number[]; alias?: string }[] = [];
const rolledBack: { modelName: string; fromVersion: number; toVersion: number; stage: string }[] = [];
const token = randomUUID().slice(0, 8);

beforeAll(async () => {
  const kafka = new Kafka({ clientId: `registry-test-${token}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
  registry = await startRegistry(PORT); // creates the topics
  consumer = kafka.consumer({ groupId: `registry-test-${token}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.modelPromoted.name, topics.modelRolledBack.name], fromBeginning: false });
  let assigned = false;
  consumer.on(consumer.events.GROUP_JOIN, () => {
    assigned = true;
  });
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      if (message.value === null) return;
      if (topic === topics.modelPromoted.name) {
        const parsed = parseEvent(topics.modelPromoted, message.value);
        if (parsed.ok) promoted.push(parsed.event.payload);
      } else {
        const parsed = parseEvent(topics.modelRolledBack, message.value);
        if (parsed.ok) rolledBack.push(parsed.event.payload);
      }
    },
  });
  const deadline = Date.now() + 30_000;
  while (!assigned && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(assigned).toBe(true);
});

afterAll(async () => {
  await consumer?.disconnect();
  await registry?.stop();
});

async function waitUntil(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function newRun(): Promise<{ experimentId: string; runId: string }> {
  const exp = await call(registry.url, 'POST', '/api/2.0/mlflow/experiments/create', { name: `it-${token}-${randomUUID().slice(0, 8)}` });
  expect(exp.status).toBe(200);
  const experimentId = exp.body['experiment_id'] as string;
  const run = await call(registry.url, 'POST', '/api/2.0/mlflow/runs/create', { experiment_id: experimentId, start_time: Date.now() });
  expect(run.status).toBe(200);
  return { experimentId, runId: ((run.body['run'] as Record<string, unknown>)['info'] as Record<string, string>)['run_id'] as string };
}

async function modelWithVersions(n: number, runId: string): Promise<string> {
  const name = `it-model-${token}-${randomUUID().slice(0, 8)}`;
  expect((await call(registry.url, 'POST', '/api/v1/models', { name })).status).toBe(201);
  for (let i = 1; i <= n; i++) {
    const v = await call(registry.url, 'POST', `/api/v1/models/${name}/versions`, { runId, source: `runs:/${runId}/model`, metrics: { auc: 0.8 + i / 100 } });
    expect(v.body['version']).toBe(i);
  }
  return name;
}

function promote(name: string, version: number, actor: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return call(registry.url, 'POST', `/api/v1/models/${name}/versions/${version}/stage`, {
    stage: 'Production',
    archiveExistingVersions: true,
    reason: `promote ${version}`,
  }, { 'x-actor': actor });
}

describe('concurrent promotions', () => {
  it('two simultaneous promotions to Production leave exactly one Production version and a complete history', async () => {
    const { runId } = await newRun();
    for (let round = 0; round < 5; round++) {
      const name = await modelWithVersions(3, runId);
      expect((await promote(name, 1, 'setup')).status).toBe(200);
      const [a, b] = await Promise.all([promote(name, 2, 'alice'), promote(name, 3, 'bob')]);
      expect([a.status, b.status]).toEqual([200, 200]);

      const versions = (await call(registry.url, 'GET', `/api/v1/models/${name}/versions`)).body['versions'] as { version: number; currentStage: string }[];
      const production = versions.filter((v) => v.currentStage === 'Production').map((v) => v.version);
      expect(production).toHaveLength(1);
      const winner = production[0] as number;
      const loser = winner === 2 ? 3 : 2;
      expect(versions.find((v) => v.version === 1)?.currentStage).toBe('Archived');
      expect(versions.find((v) => v.version === loser)?.currentStage).toBe('Archived');

      const history = (await call(registry.url, 'GET', `/api/v1/models/${name}/history`)).body['transitions'] as {
        version: number; fromStage: string; toStage: string; kind: string; actor: string;
      }[];
      const steps = history.map((h) => `${h.version}:${h.fromStage}->${h.toStage}:${h.kind}`);
      // Serialized: the first promotion archives v1, the second archives the first one's version.
      const first = loser;
      expect(steps).toEqual([
        '1:None->Production:transition',
        `${first}:None->Production:transition`,
        '1:Production->Archived:archive-existing',
        `${winner}:None->Production:transition`,
        `${first}:Production->Archived:archive-existing`,
      ]);
      expect(history.find((h) => h.version === 2 && h.kind === 'transition')?.actor).toBe('alice');
      expect(history.find((h) => h.version === 3 && h.kind === 'transition')?.actor).toBe('bob');

      await waitUntil(`3 promoted events of ${name}`, () => promoted.filter((p) => p.modelName === name).length === 3);
      const events = promoted.filter((p) => p.modelName === name);
      expect(events.map((e) => e.version)).toEqual([1, first, winner]);
      expect(events[2]?.archivedVersions).toEqual([first]);
    }
  });
});

describe('rollback', () => {
  it('restores the previous Production version in one call, records it and publishes rolled-back', async () => {
    const { runId } = await newRun();
    const name = await modelWithVersions(2, runId);
    await promote(name, 1, 'alice');
    await promote(name, 2, 'alice');
    expect((await call(registry.url, 'PUT', `/api/v1/models/${name}/aliases/champion`, { version: 2 })).status).toBe(200);

    const res = await call(registry.url, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'latency regression' }, { 'x-actor': 'oncall' });
    expect(res.status).toBe(200);
    expect(res.body['fromVersion']).toBe(2);
    expect((res.body['toVersion'] as Record<string, unknown>)['version']).toBe(1);
    expect((res.body['toVersion'] as Record<string, unknown>)['currentStage']).toBe('Production');

    const prod = await call(registry.url, 'GET', `/api/v1/models/${name}/stages/Production`);
    expect(prod.body['version']).toBe(1);
    expect((await call(registry.url, 'GET', `/api/v1/models/${name}/versions/2`)).body['currentStage']).toBe('Archived');
    expect((await call(registry.url, 'GET', `/api/v1/models/${name}/aliases/champion`)).body['version']).toBe(1);
    const history = (await call(registry.url, 'GET', `/api/v1/models/${name}/history`)).body['transitions'] as { version: number; kind: string; toStage: string; actor: string; reason: string }[];
    expect(history.slice(-2)).toEqual([
      expect.objectContaining({ version: 2, toStage: 'Archived', kind: 'rollback', actor: 'oncall', reason: 'latency regression' }),
      expect.objectContaining({ version: 1, toStage: 'Production', kind: 'rollback', actor: 'oncall', reason: 'latency regression' }),
    ]);
    await waitUntil('the rolled-back event', () => rolledBack.some((r) => r.modelName === name));
    expect(rolledBack.find((r) => r.modelName === name)).toEqual(
      expect.objectContaining({ fromVersion: 2, toVersion: 1, stage: 'Production' }),
    );

    const again = await call(registry.url, 'POST', `/api/v1/models/${name}/rollback`, {});
    expect(again.status).toBe(409);
    expect(again.body['error_code']).toBe('INVALID_STATE');
  });
});

describe('tracking rules', () => {
  it('params are write-once: the same value is accepted, another is 400 and the batch is rolled back', async () => {
    const { runId } = await newRun();
    const log = (body: Record<string, unknown>) => call(registry.url, 'POST', '/api/2.0/mlflow/runs/log-batch', { run_id: runId, ...body });
    expect((await log({ params: [{ key: 'model', value: 'LR' }] })).status).toBe(200);
    expect((await log({ params: [{ key: 'model', value: 'LR' }] })).status).toBe(200);
    const refused = await log({
      params: [{ key: 'model', value: 'XGB' }, { key: 'other', value: '1' }],
      metrics: [{ key: 'auc', value: 0.9, timestamp: 1, step: 0 }],
    });
    expect(refused.status).toBe(400);
    expect(refused.body['error_code']).toBe('INVALID_PARAMETER_VALUE');
    expect(refused.body['message']).toContain("Param with key='model' was already logged with value='LR'");
    const run = (await call(registry.url, 'GET', `/api/2.0/mlflow/runs/get?run_id=${runId}`)).body['run'] as { data: Record<string, unknown> };
    expect(run.data['params']).toEqual([{ key: 'model', value: 'LR' }]);
    expect(run.data['metrics']).toBeUndefined();
    const single = await call(registry.url, 'POST', '/api/2.0/mlflow/runs/log-parameter', { run_id: runId, key: 'model', value: 'RF' });
    expect(single.status).toBe(400);
  });

  it('enforces the log-batch limits with MLflow error shape', async () => {
    const { runId } = await newRun();
    const metrics = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `m${i % 50}`, value: i, timestamp: 1000 + i, step: i }));
    const kv = (n: number, p: string) => Array.from({ length: n }, (_, i) => ({ key: `${p}${i}`, value: String(i) }));
    const log = (body: Record<string, unknown>) => call(registry.url, 'POST', '/api/2.0/mlflow/runs/log-batch', { run_id: runId, ...body });
    for (const [body, what] of [
      [{ metrics: metrics(1001) }, '1000 metrics'],
      [{ params: kv(101, 'p') }, '100 params'],
      [{ tags: kv(101, 't') }, '100 tags'],
      [{ metrics: metrics(900), params: kv(100, 'p'), tags: kv(1, 't') }, '1000 total entities'],
    ] as const) {
      const res = await log(body);
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining(`at most ${what}`) });
    }
    expect((await log({ metrics: metrics(1000) })).status).toBe(200);
    const history = await call(registry.url, 'GET', `/api/2.0/mlflow/metrics/get-history?run_id=${runId}&metric_key=m7`);
    expect((history.body['metrics'] as unknown[]).length).toBe(20);
  });
});

describe('training history in SQL and the OpenAPI document', () => {
  it('answers the README query from registry.training_history', async () => {
    const { runId } = await newRun();
    await call(registry.url, 'POST', '/api/2.0/mlflow/runs/log-batch', {
      run_id: runId,
      params: [{ key: 'model_type', value: 'xgboost' }],
      metrics: [{ key: 'roc_auc', value: 0.83, timestamp: 1, step: 0 }, { key: 'roc_auc', value: 0.84, timestamp: 2, step: 1 }],
    });
    const name = await modelWithVersions(1, runId);
    await call(registry.url, 'POST', `/api/v1/models/${name}/versions/1/stage`, { stage: 'Staging' });
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT model, version, run_id, params->>'model_type' AS model_type, (final_metrics->>'roc_auc')::float AS roc_auc, stage
           FROM registry.training_history WHERE model = $1 ORDER BY version`,
        [name],
      );
      expect(rows).toEqual([{ model: name, version: 1, run_id: runId, model_type: 'xgboost', roc_auc: 0.84, stage: 'Staging' }]);
    } finally {
      await client.end();
    }
  });

  it('serves the OpenAPI document at /api/v1/openapi.json', async () => {
    const doc = await call(registry.url, 'GET', '/api/v1/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body['openapi']).toBe('3.1.0');
    expect(Object.keys(doc.body['paths'] as object)).toContain('/api/v1/models/{name}/rollback');
  });
});

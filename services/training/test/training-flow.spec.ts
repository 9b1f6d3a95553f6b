/**
 * The training flow end to end on the real local stack (Kafka 127.0.0.1:9092, PostgreSQL;
 * `bash deploy/local/stack.sh start`; `npm run build` first):
 *   training-requested -> the training service trains (logistic regression, tuning off, half the
 *   Telco rows) -> a run with params and metrics in the registry -> the real validation gate
 *   (thresholds, ONNX loads and predicts in onnxruntime-node, size, p99 latency, memory) passes ->
 *   version registered (model-registered) -> promoted to Staging through the registry, whose
 *   model-promoted is observed on the broker;
 *   then, with an impossible threshold (min_auc_roc 0.999 in that process's config) ->
 *   model-rejected with the reasons, no new version, and the Production version unchanged.
 *
 * Both services run as their own processes from their builds (the gate's onnxruntime-node does not
 * run inside Jest's VM realm). Isolation from a running `npm start` and from other tests: own HTTP
 * ports, consumer groups under a per-run prefix, and a per-run model name and experiment (a copy of
 * config/ whose environment file overrides them). The ingestion service has no rows endpoint yet:
 * the training service reads the Telco CSV through TRAINING_DATA_PATH (its file dataset source).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jest } from '@jest/globals';
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createEvent, topics } from '@mlops/contracts';

jest.setTimeout(300_000);

const ROOT = resolve(process.cwd());
const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://mlops:mlops@127.0.0.1:5432/mlops';
const RUN = `train-e2e-${Date.now().toString(36)}-${process.pid}`;
const MODEL = `churn-e2e-${Date.now().toString(36)}${process.pid}`;
const PORTS = { training: 44204, registry: 44205 };
const REGISTRY = `http://127.0.0.1:${PORTS.registry}`;
const TRAINING = `http://127.0.0.1:${PORTS.training}`;
const WORK = mkdtempSync(join(tmpdir(), `${RUN}-`));

interface Seen {
  topic: string;
  payload: Record<string, unknown>;
}
const seen: Seen[] = [];
const kafka = new Kafka({ clientId: `mlops-${RUN}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
let producer: Producer;
let consumer: Consumer;
const children: { name: string; child: ChildProcess; log: string }[] = [];

/** A copy of config/ whose environment file sets the run's group prefix, model, experiment and `extra`. */
function configDir(
  name: string,
  extra: (doc: Record<string, Record<string, unknown>>) => void = () => undefined,
): string {
  const dir = join(WORK, `config-${name}`);
  cpSync(join(ROOT, 'config'), dir, { recursive: true });
  const envFile = join(dir, 'development.yaml');
  const doc = ((existsSync(envFile) ? parseYaml(readFileSync(envFile, 'utf8')) : null) ?? {}) as Record<
    string,
    Record<string, unknown>
  >;
  doc['kafka'] = { ...(doc['kafka'] ?? {}), consumer_group_prefix: `mlops-${RUN}` };
  doc['serving'] = { ...(doc['serving'] ?? {}), model_name: MODEL };
  doc['registry'] = { ...(doc['registry'] ?? {}), default_experiment: `experiment-${RUN}` };
  doc['logging'] = { level: 'info' };
  extra(doc);
  writeFileSync(envFile, stringifyYaml(doc));
  return dir;
}

async function start(name: 'registry' | 'training', env: NodeJS.ProcessEnv): Promise<ChildProcess> {
  const main = join(ROOT, 'services', name, 'dist', 'main.js');
  if (!existsSync(main)) throw new Error(`${main} is missing: run 'npm run build' first`);
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(clean))
    if (key.startsWith('JEST') || key === 'NODE_OPTIONS') delete clean[key];
  const logFile = join(WORK, `${name}-${children.length}.log`);
  const child = spawn(process.execPath, [main], {
    cwd: ROOT,
    env: { ...clean, MLOPS_ENV: 'development', KAFKA_BROKERS: BROKERS.join(','), DATABASE_URL, ...env },
    stdio: ['ignore', openSync(logFile, 'a'), openSync(logFile, 'a')],
  });
  children.push({ name, child, log: logFile });
  const port = name === 'registry' ? PORTS.registry : PORTS.training;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(
        `${name} exited with ${child.exitCode}:\n${readFileSync(logFile, 'utf8').slice(-3000)}`,
      );
    const res = await fetch(`http://127.0.0.1:${port}/health/ready`, {
      signal: AbortSignal.timeout(1000),
    }).catch(() => undefined);
    if (res?.status === 200) return child;
    if (Date.now() > deadline)
      throw new Error(`${name} not ready in 90 s:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function logs(): string {
  return children.map((c) => `--- ${c.name} ---\n${readFileSync(c.log, 'utf8').slice(-2500)}`).join('\n');
}

async function waitFor<T>(what: string, f: () => T | undefined, ms = 180_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    const failed = seen.find((s) => s.topic === topics.trainingFailed.name);
    if (failed)
      throw new Error(
        `training failed while waiting for ${what}: ${JSON.stringify(failed.payload)}\n${logs()}`,
      );
    if (Date.now() > deadline)
      throw new Error(
        `timed out waiting for ${what}; seen: ${JSON.stringify(seen.map((s) => s.topic))}\n${logs()}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

function event(
  topic: string,
  match: (p: Record<string, unknown>) => boolean,
): Record<string, unknown> | undefined {
  return seen.find((s) => s.topic === topic && match(s.payload))?.payload;
}

async function api<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

async function requestTraining(jobId: string): Promise<void> {
  const e = createEvent(
    topics.trainingRequested,
    {
      trainingJobId: jobId,
      datasetId: randomUUID(),
      config: {
        models: ['logistic_regression'],
        tuning: { enabled: false },
        sampleRatio: 0.5,
        registerBest: true,
        promoteTo: 'Staging',
      },
      requestedBy: 'e2e-test',
      reason: 'manual',
      requestedAt: new Date().toISOString(),
    },
    { producer: 'operator' },
  );
  await producer.send({
    topic: topics.trainingRequested.name,
    messages: [{ key: jobId, value: JSON.stringify(e) }],
  });
}

let training: ChildProcess;
const trainingEnv = (config: string): NodeJS.ProcessEnv => ({
  MLOPS_CONFIG_DIR: config,
  TRAINING_HTTP_PORT: String(PORTS.training),
  REGISTRY_URL: REGISTRY,
  TRAINING_DATA_PATH: join(ROOT, 'data', 'raw', 'customer_data.csv'),
});

beforeAll(async () => {
  await start('registry', {
    MLOPS_CONFIG_DIR: configDir('registry'),
    REGISTRY_HTTP_PORT: String(PORTS.registry),
    REGISTRY_ARTIFACT_ROOT: join(WORK, 'artifacts'),
  });
  training = await start('training', trainingEnv(configDir('training')));
  producer = kafka.producer();
  await producer.connect();
  consumer = kafka.consumer({ groupId: `mlops-${RUN}.observer` });
  await consumer.connect();
  await consumer.subscribe({
    topics: [
      topics.trainingProgress.name,
      topics.trainingCompleted.name,
      topics.trainingFailed.name,
      topics.modelRegistered.name,
      topics.modelRejected.name,
      topics.modelPromoted.name,
    ],
    fromBeginning: false,
  });
  const joined = new Promise<void>((r) => consumer.on(consumer.events.GROUP_JOIN, () => r()));
  await consumer.run({
    eachMessage: async ({ topic, message }) => {
      const envelope = JSON.parse(message.value?.toString('utf8') ?? '{}') as {
        payload?: Record<string, unknown>;
      };
      if (envelope.payload) seen.push({ topic, payload: envelope.payload });
    },
  });
  await joined;
}, 180_000);

afterAll(async () => {
  await consumer?.disconnect().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  for (const c of [...children].reverse()) await stop(c.child);
});

describe('training service on Kafka and PostgreSQL', () => {
  const passing = randomUUID();
  let version = 0;

  it('training-requested -> run with metrics -> gate passed -> version registered -> promoted to Staging', async () => {
    const t0 = performance.now();
    await requestTraining(passing);
    const promoted = await waitFor('model-promoted', () =>
      event(topics.modelPromoted.name, (p) => p['modelName'] === MODEL && p['toStage'] === 'Staging'),
    );
    const seconds = (performance.now() - t0) / 1000;
    process.stdout.write(
      `${JSON.stringify({ e2e: 'training -> Staging', seconds: Math.round(seconds * 10) / 10 })}\n`,
    );

    const completed = event(topics.trainingCompleted.name, (p) => p['trainingJobId'] === passing)!;
    const registered = event(topics.modelRegistered.name, (p) => p['trainingJobId'] === passing)!;
    expect(completed['bestModel']).toBe('logistic_regression');
    expect(registered).toMatchObject({
      modelName: MODEL,
      runId: completed['runId'],
      algorithm: 'logistic_regression',
    });
    version = registered['version'] as number;
    expect(promoted).toMatchObject({ version, fromStage: 'None', toStage: 'Staging' });
    expect(
      seen.filter((s) => s.topic === topics.trainingProgress.name && s.payload['trainingJobId'] === passing)
        .length,
    ).toBeGreaterThan(0);
    expect(event(topics.modelRejected.name, (p) => p['trainingJobId'] === passing)).toBeUndefined();

    // the run in the registry: params, final and per-round metrics, the gate's verdict, the ONNX artifact
    const run = await api<{
      info: { status: string };
      metrics: { key: string; value: number }[];
      params: { key: string; value: string }[];
      tags: { key: string; value: string }[];
    }>(REGISTRY, 'GET', `/api/v1/runs/${completed['runId'] as string}`);
    expect(run.status).toBe(200);
    expect(run.body.info.status).toBe('FINISHED');
    const metric = (k: string): number | undefined => run.body.metrics.find((m) => m.key === k)?.value;
    expect(metric('val_roc_auc')).toBeGreaterThan(0.8);
    expect(metric('recall')).toBeGreaterThanOrEqual(0.65);
    expect(run.body.params.find((p) => p.key === 'sample_ratio')?.value).toBe('0.5');
    expect(run.body.tags.find((t) => t.key === 'gate.status')?.value).toBe('passed');
    const history = await api<{ metrics: { step: number }[] }>(
      REGISTRY,
      'GET',
      `/api/v1/runs/${completed['runId'] as string}/metrics/round_train_loss/history`,
    );
    expect(history.body.metrics.length).toBeGreaterThan(0);

    // the version: ONNX digest matching the event, Staging, threshold and metrics
    const v = await api<{
      currentStage: string;
      checksum: string;
      onnxDigest: string;
      threshold: number;
      metrics: Record<string, number>;
    }>(REGISTRY, 'GET', `/api/v1/models/${MODEL}/versions/${version}`);
    expect(v.body.currentStage).toBe('Staging');
    expect(v.body.onnxDigest).toBe(registered['checksum']);
    expect(v.body.threshold).toBe(registered['threshold']);
    expect(v.body.metrics['roc_auc']).toBe((registered['metrics'] as Record<string, number>)['roc_auc']);

    const job = await api<{ status: string; modelVersion: number; startedAt: string; finishedAt: string }>(
      TRAINING,
      'GET',
      `/training/jobs/${passing}`,
    );
    expect(job.body).toMatchObject({ status: 'registered', modelVersion: version });
    expect(Date.parse(job.body.finishedAt)).toBeGreaterThanOrEqual(Date.parse(job.body.startedAt));
  });

  it('an impossible threshold -> model-rejected with the reasons, production unchanged', async () => {
    expect(version).toBeGreaterThan(0);
    // a Production version to keep: the one just registered
    const prod = await api(REGISTRY, 'POST', `/api/v1/models/${MODEL}/versions/${version}/stage`, {
      stage: 'Production',
      archiveExistingVersions: true,
      actor: 'e2e-test',
      reason: 'baseline',
    });
    expect(prod.status).toBe(200);

    await stop(training);
    training = await start(
      'training',
      trainingEnv(
        configDir('training-strict', (doc) => {
          const t = (doc['training'] ?? {}) as Record<string, unknown>;
          doc['training'] = {
            ...t,
            thresholds: { ...((t['thresholds'] ?? {}) as Record<string, unknown>), min_auc_roc: 0.999 },
          };
        }),
      ),
    );
    const rejectedJob = randomUUID();
    await requestTraining(rejectedJob);
    const rejected = await waitFor('model-rejected', () =>
      event(topics.modelRejected.name, (p) => p['trainingJobId'] === rejectedJob),
    );
    const reasons = rejected['reasons'] as {
      check: string;
      expected: number;
      actual: number;
      message: string;
    }[];
    expect(rejected['modelName']).toBe(MODEL);
    expect(reasons.map((r) => r.check)).toEqual(['min_auc_roc']);
    expect(reasons[0]).toMatchObject({ expected: 0.999 });
    expect(reasons[0]!.actual).toBeLessThan(0.999);

    expect(event(topics.modelRegistered.name, (p) => p['trainingJobId'] === rejectedJob)).toBeUndefined();
    const production = await api<{ version: number }>(
      REGISTRY,
      'GET',
      `/api/v1/models/${MODEL}/stages/Production`,
    );
    expect(production.body.version).toBe(version);
    const versions = await api<{ versions: unknown[] }>(REGISTRY, 'GET', `/api/v1/models/${MODEL}/versions`);
    expect(versions.body.versions).toHaveLength(1);
    const run = await api<{ tags: { key: string; value: string }[] }>(
      REGISTRY,
      'GET',
      `/api/v1/runs/${rejected['runId'] as string}`,
    );
    expect(run.body.tags.find((t) => t.key === 'gate.status')?.value).toBe('rejected');
    const job = await api<{ status: string }>(TRAINING, 'GET', `/training/jobs/${rejectedJob}`);
    expect(job.body.status).toBe('rejected');
  });
});

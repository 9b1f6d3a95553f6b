/**
 * The platform end to end on the real local stack (Kafka, PostgreSQL, Redis started by the test
 * command through deploy/local/stack.sh): the seven services run as separate node processes from
 * their build, answer a ping on the real broker, report ready on /health/ready and serve /metrics;
 * readiness turns 503 naming the dependency when PostgreSQL or Redis becomes unreachable for a
 * service, and ready again when it comes back; SIGTERM stops every service with exit code 0.
 *
 * Isolation from a running `npm start`: HTTP ports 43001-43007 and consumer groups under a
 * per-run prefix (a copy of config/ whose environment file overrides kafka.consumer_group_prefix).
 * PostgreSQL and Redis are cut for one or two services only, through TCP proxies in this process.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { createEvent, parseEvent, topics, type SystemPongPayload } from '@mlops/contracts';
import { TcpProxy } from './support/tcp-proxy.js';
import {
  assertBuilt,
  get,
  spawnService,
  stopProcess,
  tailOf,
  waitFor,
  type ServiceProcess,
} from './support/service-process.js';

const ROOT = resolve(process.cwd());
const SERVICES = [
  'ingestion',
  'validation',
  'drift',
  'training',
  'registry',
  'serving',
  'experiments',
] as const;
type Name = (typeof SERVICES)[number];
const PORTS: Record<Name, number> = {
  ingestion: 43001,
  validation: 43002,
  drift: 43003,
  training: 43004,
  registry: 43005,
  serving: 43006,
  experiments: 43007,
};
const USES_POSTGRES: Name[] = ['ingestion', 'validation', 'drift', 'training', 'registry', 'experiments'];
const USES_REDIS: Name[] = ['ingestion', 'serving'];

const BROKERS = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
const DATABASE_URL = process.env['DATABASE_URL'] ?? 'postgres://mlops:mlops@127.0.0.1:5432/mlops';
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const RUN = `e2e-${Date.now().toString(36)}-${process.pid}`;
const GROUP_PREFIX = `mlops-${RUN}`;

const kafka = new Kafka({ clientId: `mlops-${RUN}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
const producer = kafka.producer();
let pongConsumer: Consumer | undefined;
const pongs = new Map<string, SystemPongPayload[]>();

const pgProxy = new TcpProxy(new URL(DATABASE_URL).hostname, Number(new URL(DATABASE_URL).port || 5432));
const redisProxy = new TcpProxy(new URL(REDIS_URL).hostname, Number(new URL(REDIS_URL).port || 6379));
/** Services whose PostgreSQL (Redis) goes through the proxy that the test cuts. */
const PG_THROUGH_PROXY: Name[] = ['ingestion'];
const REDIS_THROUGH_PROXY: Name[] = ['ingestion', 'serving'];

const processes = new Map<Name, ServiceProcess>();
const bootMs = new Map<Name, number>();
let configDir = '';

/** A copy of config/ whose active environment file puts the consumer groups under this run's prefix. */
function isolatedConfigDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-e2e-config-'));
  cpSync(join(ROOT, 'config'), dir, { recursive: true });
  const envFile = join(dir, `${process.env['MLOPS_ENV'] || 'development'}.yaml`);
  const overlay = (parseYaml(readFileSync(envFile, 'utf8')) ?? {}) as Record<string, unknown>;
  const kafkaSection = (overlay['kafka'] ?? {}) as Record<string, unknown>;
  // The run's fresh groups start at the end of the shared topics: earlier tests' events (datasets,
  // records, promotions of models that no longer exist) are not this test's business.
  overlay['kafka'] = { ...kafkaSection, consumer_group_prefix: GROUP_PREFIX, auto_offset_reset: 'latest' };
  writeFileSync(envFile, stringifyYaml(overlay));
  return dir;
}

function envFor(name: Name): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key.startsWith('JEST') || key === 'NODE_OPTIONS') delete env[key];
  for (const service of SERVICES) env[`${service.toUpperCase()}_HTTP_PORT`] = String(PORTS[service]);
  const db = new URL(DATABASE_URL);
  if (PG_THROUGH_PROXY.includes(name)) db.host = `127.0.0.1:${pgProxy.port}`;
  const redis = new URL(REDIS_URL);
  if (REDIS_THROUGH_PROXY.includes(name)) redis.host = `127.0.0.1:${redisProxy.port}`;
  return {
    ...env,
    SERVING_GRPC_PORT: '43051',
    MLOPS_CONFIG_DIR: configDir,
    KAFKA_BROKERS: BROKERS.join(','),
    DATABASE_URL: db.toString(),
    REDIS_URL: redis.toString(),
    LOG_LEVEL: 'info',
  };
}

async function readiness(name: Name): Promise<{
  status: number;
  body: { status?: string; checks?: Record<string, { status: string; error?: string }> };
}> {
  const answer = await get(`${processes.get(name)!.url}/health/ready`);
  return {
    status: answer.status,
    body: JSON.parse(answer.body) as {
      status?: string;
      checks?: Record<string, { status: string; error?: string }>;
    },
  };
}

async function waitReady(name: Name, timeoutMs: number): Promise<void> {
  const service = processes.get(name)!;
  try {
    await waitFor(
      `${name} ready`,
      async () => {
        if (service.child.exitCode !== null)
          throw new Error(`${name} exited with code ${service.child.exitCode}`);
        return (await get(`${service.url}/health/ready`, 2500)).status === 200;
      },
      timeoutMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- ${service.logFile} (tail)\n${tailOf(service)}`);
  }
}

/**
 * Sends a ping on the real broker and collects pongs until every listed service answered. The
 * services' groups start at the latest offset, so a group still joining could miss a ping: the
 * same pingId is sent again (as a new event) every 3 s until all have answered.
 */
async function ping(expected: readonly Name[], timeoutMs = 15_000): Promise<Map<string, SystemPongPayload>> {
  const pingId = randomUUID();
  const send = async (): Promise<void> => {
    const event = createEvent(
      topics.systemPing,
      { pingId, requestedBy: 'e2e-test', sentAt: new Date().toISOString() },
      { producer: 'operator' },
    );
    await producer.send({
      topic: topics.systemPing.name,
      messages: [{ key: pingId, value: JSON.stringify(event) }],
    });
  };
  await send();
  let lastSent = Date.now();
  const byService = new Map<string, SystemPongPayload>();
  await waitFor(
    `pongs from ${expected.join(', ')}`,
    async () => {
      for (const pong of pongs.get(pingId) ?? []) byService.set(pong.service, pong);
      const done = expected.every((name) => byService.has(name));
      if (!done && Date.now() - lastSent >= 3000) {
        lastSent = Date.now();
        await send();
      }
      return done;
    },
    timeoutMs,
    100,
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}; answered: ${[...byService.keys()].join(', ') || 'none'}`);
  });
  return byService;
}

beforeAll(async () => {
  assertBuilt(ROOT, SERVICES);
  configDir = isolatedConfigDir();
  await Promise.all([pgProxy.start(), redisProxy.start()]);

  await producer.connect();
  pongConsumer = kafka.consumer({ groupId: `${GROUP_PREFIX}.operator` });
  await pongConsumer.connect();
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: topics.systemPong.name, numPartitions: 3 },
      { topic: topics.systemPing.name, numPartitions: 3 },
    ],
    waitForLeaders: true,
  });
  await admin.disconnect();
  await pongConsumer.subscribe({ topics: [topics.systemPong.name], fromBeginning: true });
  await pongConsumer.run({
    eachMessage: async ({ message }) => {
      const parsed = parseEvent(topics.systemPong, message.value);
      if (!parsed.ok) throw new Error(`a pong broke its contract: ${parsed.reason}`);
      const list = pongs.get(parsed.event.payload.pingId) ?? [];
      list.push(parsed.event.payload);
      pongs.set(parsed.event.payload.pingId, list);
    },
  });

  const logDir = join(ROOT, '.local', 'logs', 'e2e');
  for (const name of SERVICES)
    processes.set(name, spawnService(ROOT, name, PORTS[name], envFor(name), logDir));
  await Promise.all(
    SERVICES.map(async (name) => {
      await waitReady(name, 60_000);
      bootMs.set(name, performance.now() - processes.get(name)!.spawnedAt);
    }),
  );
  // One line for the record: how long each service took from spawn to ready, seven booting at once.
  console.log(
    JSON.stringify({
      e2e: 'boot',
      parallel: SERVICES.length,
      msToReady: Object.fromEntries([...bootMs].map(([n, ms]) => [n, Math.round(ms)])),
    }),
  );
}, 90_000);

afterAll(async () => {
  await Promise.all([...processes.values()].map((service) => stopProcess(service, 5_000)));
  await pongConsumer?.disconnect().catch(() => undefined);
  await producer.disconnect().catch(() => undefined);
  await Promise.all([pgProxy.close(), redisProxy.close()]);
  const admin = kafka.admin();
  await admin
    .connect()
    .then(() =>
      admin.deleteGroups([...SERVICES.map((s) => `${GROUP_PREFIX}.${s}`), `${GROUP_PREFIX}.operator`]),
    )
    .catch(() => undefined)
    .finally(() => admin.disconnect());
  if (configDir) rmSync(configDir, { recursive: true, force: true });
}, 60_000);

describe('the seven services on the real stack', () => {
  it('each reports ready on /health/ready with exactly the checks of what it uses', async () => {
    for (const name of SERVICES) {
      const { status, body } = await readiness(name);
      expect({ name, status, ready: body.status }).toEqual({ name, status: 200, ready: 'ready' });
      const expected = [
        'kafka',
        ...(USES_POSTGRES.includes(name) ? ['postgres'] : []),
        ...(USES_REDIS.includes(name) ? ['redis'] : []),
      ];
      expect({ name, checks: Object.keys(body.checks ?? {}).sort() }).toEqual({
        name,
        checks: expected.sort(),
      });
    }
  });

  it('each serves /metrics with process metrics, build info, its boot time and its consumer lag', async () => {
    const ping = topics.systemPing.name.replaceAll('.', '\\.');
    for (const name of SERVICES) {
      const { status, body } = await get(`${processes.get(name)!.url}/metrics`);
      expect(status).toBe(200);
      expect(body).toMatch(new RegExp(`process_cpu_seconds_total\\{service="${name}"\\} \\d`));
      expect(body).toMatch(new RegExp(`process_resident_memory_bytes\\{service="${name}"\\} \\d+`));
      expect(body).toContain(`build_info{version="0.1.0",service="${name}"} 1`);
      expect(body).toMatch(new RegExp(`service_boot_duration_seconds\\{service="${name}"\\} \\d`));
      // Read from the real broker at the scrape: every service's group reads the ping topic. A
      // scrape whose admin read takes over 1.5 s (a first connection on a loaded machine) has no
      // lag series by design, so a later one is allowed to show it.
      const lagLine = new RegExp(
        `messaging_consumer_lag_messages\\{topic="${ping}",partition="\\d+",service="${name}"\\} \\d+`,
      );
      if (!lagLine.test(body))
        await waitFor(
          `${name} exports its consumer lag`,
          async () => lagLine.test((await get(`${processes.get(name)!.url}/metrics`)).body),
          15_000,
        );
    }
  });

  it('answers a ping on the real broker: one pong per service, from these processes, with subscribed topics and lag', async () => {
    const answers = await ping(SERVICES);
    expect([...answers.keys()].sort()).toEqual([...SERVICES].sort());
    for (const name of SERVICES) {
      const pong = answers.get(name)!;
      expect(pong.instanceId).toMatch(new RegExp(`:${processes.get(name)!.child.pid}$`));
      expect(pong.version).toBe('0.1.0');
      expect(pong.healthy).toBe(true);
      expect(pong.uptimeSeconds).toBeGreaterThan(0);
      expect(pong.subscribedTopics).toContain(topics.systemPing.name);
      expect(pong.consumerLag.map((l) => l.topic)).toContain(topics.systemPing.name);
    }
  });

  it('turns not ready, naming postgres, when PostgreSQL is unreachable for a service; ready again when it is back', async () => {
    pgProxy.cut();
    try {
      await waitFor('ingestion not ready', async () => (await readiness('ingestion')).status === 503, 10_000);
      const { body } = await readiness('ingestion');
      expect(body.status).toBe('not_ready');
      expect(body.checks?.['postgres']?.status).toBe('down');
      expect(body.checks?.['postgres']?.error).toEqual(expect.any(String));
      expect(body.checks?.['redis']?.status).toBe('up');
      expect(body.checks?.['kafka']?.status).toBe('up');
      // the others use PostgreSQL directly and are untouched
      expect((await readiness('validation')).status).toBe(200);
      // the ping still gets an answer, which says the service is not healthy
      const answers = await ping(['ingestion', 'validation']);
      expect(answers.get('ingestion')!.healthy).toBe(false);
      expect(answers.get('validation')!.healthy).toBe(true);
    } finally {
      pgProxy.restore();
    }
    await waitFor('ingestion ready again', async () => (await readiness('ingestion')).status === 200, 15_000);
  });

  it('turns not ready, naming redis, when Redis is unreachable for ingestion and serving; ready again when it is back', async () => {
    redisProxy.cut();
    try {
      for (const name of REDIS_THROUGH_PROXY) {
        await waitFor(`${name} not ready`, async () => (await readiness(name)).status === 503, 10_000);
        const { body } = await readiness(name);
        expect({
          name,
          redis: body.checks?.['redis']?.status,
          kafka: body.checks?.['kafka']?.status,
        }).toEqual({ name, redis: 'down', kafka: 'up' });
      }
      expect((await readiness('ingestion')).body.checks?.['postgres']?.status).toBe('up');
    } finally {
      redisProxy.restore();
    }
    for (const name of REDIS_THROUGH_PROXY) {
      await waitFor(`${name} ready again`, async () => (await readiness(name)).status === 200, 15_000);
    }
  });

  it('stops every service gracefully on SIGTERM: exit code 0', async () => {
    const codes = await Promise.all(
      SERVICES.map(async (name) => [name, await stopProcess(processes.get(name)!, 20_000)] as const),
    );
    expect(Object.fromEntries(codes)).toEqual(Object.fromEntries(SERVICES.map((name) => [name, 0])));
  }, 30_000);
});

// Integration: the ready-made checks against the real PostgreSQL, Redis and Kafka of the local
// stack (`bash deploy/local/stack.sh start`), and against a closed port. Endpoints come from the
// platform config (DATABASE_URL, REDIS_URL, KAFKA_BROKERS override the development defaults).
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { databaseConnectionUrl, loadConfig } from '@mlops/config';
import { HealthRegistry, kafkaCheck, postgresCheck, redisCheck } from '@mlops/observability';

const config = loadConfig({ env: process.env, configDir: resolve(process.cwd(), 'config') });
const DATABASE_URL = databaseConnectionUrl(config);
const REDIS_URL = config.redis.url;
const BROKERS = [...config.kafka.brokers];
const START_HINT =
  'start them with `bash deploy/local/stack.sh start` (or set DATABASE_URL / REDIS_URL / KAFKA_BROKERS)';

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function withPort(url: string, port: number): string {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
}

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
});

describe('health checks against the real servers', () => {
  let pool: pg.Pool;
  let redis: Redis;

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2, connectionTimeoutMillis: 3000 });
    cleanups.push(() => pool.end());
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    cleanups.push(async () => redis.disconnect());
    try {
      await pool.query('SELECT 1');
      await redis.connect();
    } catch (err) {
      throw new Error(
        `PostgreSQL (${config.database.url.replace(/:[^:@/]+@/, ':***@')}) or Redis (${REDIS_URL}) is not reachable: ${String(err)}; ${START_HINT}`,
      );
    }
  });

  it('PostgreSQL through a pg Pool is up', async () => {
    const report = await new HealthRegistry({ service: 'it' })
      .register('postgres', postgresCheck(pool))
      .readiness();
    expect(report.status).toBe('ready');
    expect(report.checks['postgres']?.status).toBe('up');
    expect(report.checks['postgres']?.latencyMs).toBeLessThan(2000);
  });

  it('PostgreSQL through a TypeORM DataSource is up, and down once the DataSource is destroyed', async () => {
    const dataSource = new DataSource({ type: 'postgres', url: DATABASE_URL });
    await dataSource.initialize();
    const health = new HealthRegistry({ service: 'it' }).register('postgres', postgresCheck(dataSource));
    expect((await health.readiness()).status).toBe('ready');
    await dataSource.destroy();
    const after = await health.readiness();
    expect(after.status).toBe('not_ready');
    expect(after.checks['postgres']?.status).toBe('down');
  });

  it('Redis through ioredis is up', async () => {
    const report = await new HealthRegistry({ service: 'it' })
      .register('redis', redisCheck(redis))
      .readiness();
    expect(report.checks['redis']).toMatchObject({ status: 'up' });
  });

  it('Kafka through a kafkajs admin is up and reports the broker count', async () => {
    const admin = new Kafka({
      clientId: 'observability-it',
      brokers: BROKERS,
      logLevel: logLevel.NOTHING,
      retry: { retries: 1 },
    }).admin();
    cleanups.push(() => admin.disconnect());
    try {
      await admin.connect();
    } catch (err) {
      throw new Error(`Kafka (${BROKERS.join(',')}) is not reachable: ${String(err)}; ${START_HINT}`);
    }
    const report = await new HealthRegistry({ service: 'it', defaultTimeoutMs: 5000 })
      .register('kafka', kafkaCheck(admin))
      .readiness();
    expect(report.checks['kafka']).toMatchObject({ status: 'up', details: { brokers: BROKERS.length } });
  });
});

describe('health checks against a closed port', () => {
  it('PostgreSQL is down with the connection error', async () => {
    const port = await closedPort();
    const pool = new pg.Pool({
      connectionString: withPort(DATABASE_URL, port),
      connectionTimeoutMillis: 1000,
    });
    cleanups.push(() => pool.end());
    const report = await new HealthRegistry({ service: 'it' })
      .register('postgres', postgresCheck(pool))
      .readiness();
    expect(report.status).toBe('not_ready');
    expect(report.checks['postgres']?.status).toBe('down');
    expect(report.checks['postgres']?.error).toContain('ECONNREFUSED');
    expect(report.checks['postgres']?.error).toContain(String(port));
  });

  it('Redis with the offline queue (ioredis default) is down by timeout', async () => {
    const port = await closedPort();
    const redis = new Redis(withPort(REDIS_URL, port), { connectTimeout: 500 });
    redis.on('error', () => undefined); // reconnect errors are expected here
    const report = await new HealthRegistry({ service: 'it' })
      .register('redis', redisCheck(redis), { timeoutMs: 300 })
      .readiness();
    // ioredis emits no 'end' when disconnected while reconnecting; it lets go of its socket on
    // its own within about 2 s (Jest may note that it waited for it).
    redis.disconnect();
    expect(report.checks['redis']).toMatchObject({ status: 'down', error: 'timed out after 300 ms' });
  });

  it('Redis without the offline queue is down at once with the reason', async () => {
    const port = await closedPort();
    const redis = new Redis(withPort(REDIS_URL, port), { enableOfflineQueue: false, lazyConnect: true });
    redis.on('error', () => undefined);
    cleanups.push(async () => redis.disconnect());
    const report = await new HealthRegistry({ service: 'it' })
      .register('redis', redisCheck(redis), { timeoutMs: 2000 })
      .readiness();
    expect(report.checks['redis']?.status).toBe('down');
    expect(report.checks['redis']?.error).not.toBe('timed out after 2000 ms');
    expect(report.checks['redis']?.latencyMs).toBeLessThan(2000);
  });

  it('Kafka is down', async () => {
    const port = await closedPort();
    const admin = new Kafka({
      clientId: 'observability-it-closed',
      brokers: [`127.0.0.1:${port}`],
      logLevel: logLevel.NOTHING,
      connectionTimeout: 300,
      retry: { retries: 0 },
    }).admin();
    cleanups.push(() => admin.disconnect());
    const report = await new HealthRegistry({ service: 'it' })
      .register('kafka', kafkaCheck(admin), { timeoutMs: 3000 })
      .readiness();
    expect(report.checks['kafka']?.status).toBe('down');
  });
});

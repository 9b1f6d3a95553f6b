import type { HealthCheck } from './health.registry.js';

/** Anything that runs SQL: a TypeORM `DataSource`, a pg `Pool` or `Client`. */
export interface SqlQueryable {
  query(sql: string): Promise<unknown>;
}

/** Anything that answers PING: an ioredis client. */
export interface RedisPingable {
  ping(): Promise<string>;
}

/** A kafkajs admin client (or anything with `describeCluster`). */
export interface KafkaClusterDescriber {
  describeCluster(): Promise<{ brokers: readonly unknown[]; controller?: number | null; clusterId?: string }>;
}

/** PostgreSQL check: `SELECT 1` through the service's own DataSource or Pool. */
export function postgresCheck(db: SqlQueryable): HealthCheck {
  return async () => {
    await db.query('SELECT 1');
  };
}

/**
 * Redis check: `PING` must answer `PONG`. With ioredis' offline queue a PING to a server that is
 * down waits for a reconnection; the registry's timeout turns that into `down`.
 */
export function redisCheck(redis: RedisPingable): HealthCheck {
  return async () => {
    const reply = await redis.ping();
    if (reply !== 'PONG') throw new Error(`PING answered ${JSON.stringify(reply)} instead of PONG`);
  };
}

/** Kafka check: the cluster is described and lists at least one broker. */
export function kafkaCheck(admin: KafkaClusterDescriber): HealthCheck {
  return async () => {
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0) throw new Error('the cluster lists no broker');
    return {
      brokers: cluster.brokers.length,
      ...(cluster.clusterId !== undefined ? { clusterId: cluster.clusterId } : {}),
    };
  };
}

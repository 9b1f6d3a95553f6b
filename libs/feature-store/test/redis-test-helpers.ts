// Helpers of the feature-store integration tests: the real Redis of the local stack
// (`bash deploy/local/stack.sh start`; REDIS_URL overrides the config), a key prefix unique to the
// run, and the cleanup of every key under it.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '@mlops/config';

export const config = loadConfig({ env: process.env, configDir: resolve(process.cwd(), 'config') });

/** A client of the stack's Redis; fails fast with the command to start it. */
export async function connectRedis(): Promise<Redis> {
  const redis = new Redis(config.redis.url, {
    ...(config.redis.password !== null ? { password: config.redis.password } : {}),
    db: config.redis.db,
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Redis at ${config.redis.url} is not reachable (${(error as Error).message}); start it with \`bash deploy/local/stack.sh start redis\` or set REDIS_URL`);
  }
  return redis;
}

/** `test:feature-store:<random>:customer:`, so runs never see each other's keys. */
export function uniquePrefix(): string {
  return `test:feature-store:${process.pid}-${randomBytes(4).toString('hex')}:customer:`;
}

/** Deletes every key under `prefix` (SCAN + UNLINK); returns how many. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

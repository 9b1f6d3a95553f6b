import { Redis } from 'ioredis';
import type { PlatformConfig } from '@mlops/config';
import type { JsonLogger } from '@mlops/observability';

/**
 * Connects an ioredis client to the configured Redis and waits for it to be ready.
 *
 * The offline queue is off: while Redis is unreachable a command fails at once instead of waiting
 * for a reconnection, so readiness turns `down` immediately and callers (event handlers) get an
 * error their retry policy handles. The client reconnects on its own (every 0.2 s to 2 s); the
 * outage and the recovery are logged once each.
 *
 * @throws when Redis does not answer within 3 s at boot.
 */
export async function openServiceRedis(config: PlatformConfig, logger: JsonLogger): Promise<Redis> {
  const redis = new Redis(config.redis.url, {
    ...(config.redis.password !== null ? { password: config.redis.password } : {}),
    db: config.redis.db,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 3000,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  let down = false;
  redis.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn('redis connection lost; reconnecting', { error: error.message });
  });
  redis.on('ready', () => {
    if (!down) return;
    down = false;
    logger.info('redis connection restored');
  });
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return redis;
}

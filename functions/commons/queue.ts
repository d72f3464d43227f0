import { RedisCouponQueue } from '#adapters/redis/coupon-queue';
import { ioredisScripts } from '#adapters/redis/scripts';
import { createRedisClient, type RedisClient } from './clients/redis';
import { iamAuthFromEnv } from './clients/redis-auth';
import { redisConfig } from './config';

// The Redis side of the wiring: made once per container from the environment, on first use.
// A handler calls the getters it needs at module scope, so a missing variable fails at cold
// start, and the connection is opened during init.

let redis: RedisClient | undefined;
let queue: RedisCouponQueue | undefined;

export function redisClient(): RedisClient {
  redis ??= createRedisClient(redisConfig(), { scripts: ioredisScripts(), auth: iamAuthFromEnv() });
  return redis;
}

export function couponQueue(): RedisCouponQueue {
  queue ??= new RedisCouponQueue(redisClient(), redisConfig().timeoutMs);
  return queue;
}

/** Closes the Redis client made so far (local runtime shutdown, tests). */
export async function closeQueue(): Promise<void> {
  const client = redis;
  redis = queue = undefined;
  if (client) await client.quit().catch(() => client.disconnect());
}

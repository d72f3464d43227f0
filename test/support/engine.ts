import { DynamoCouponCatalog } from '#adapters/dynamodb/coupon-catalog';
import { DynamoIssuedCouponStore } from '#adapters/dynamodb/issued-coupon-store';
import { RedisCouponQueue } from '#adapters/redis/coupon-queue';
import { createDynamoDbClient } from '#commons/clients/dynamodb';
import { createRedisClient, type RedisClient } from '#commons/clients/redis';
import { type RedisConfig, redisConfig, tablesConfig } from '#commons/config';
import { createCoupon } from '#domain/coupons';
import { Drain, type DrainSettings } from '#domain/drain';

/**
 * A separate set of adapters, with clients of its own, as another Lambda container or another
 * process would have. `close()` releases them.
 */
export function engine(overrides: Partial<RedisConfig> = {}) {
  const redisSettings = { ...redisConfig(), ...overrides };
  const redis: RedisClient = createRedisClient(redisSettings);
  const db = createDynamoDbClient(tablesConfig());
  const queue = new RedisCouponQueue(redis, redisSettings.timeoutMs);
  const store = new DynamoIssuedCouponStore(db, tablesConfig().issuedTable);
  const catalog = new DynamoCouponCatalog(db, tablesConfig().couponsTable);
  return {
    redis,
    queue,
    store,
    catalog,
    drain: (settings: Partial<DrainSettings> = {}) =>
      new Drain(queue, store, { batchSize: 100, pendingTimeoutMs: 30_000, ...settings }),
    create: (couponId: string, stock: number) =>
      createCoupon({ catalog, queue, store }, { couponId, name: couponId, stock }),
    async close() {
      redis.disconnect();
      db.destroy();
    },
  };
}

export type Engine = ReturnType<typeof engine>;

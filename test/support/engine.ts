import { DynamoCouponCatalog } from '#adapters/dynamodb/coupon-catalog';
import { type CommitSettings, DynamoIssuedCouponStore } from '#adapters/dynamodb/issued-coupon-store';
import { RedisCouponQueue } from '#adapters/redis/coupon-queue';
import { ioredisScripts } from '#adapters/redis/scripts';
import { createDynamoDbClient } from '#commons/clients/dynamodb';
import { createRedisClient, type RedisClient } from '#commons/clients/redis';
import { type RedisConfig, redisConfig, tablesConfig } from '#commons/config';
import { createCoupon, type NewCoupon } from '#domain/coupons';
import { Drain, type DrainSettings } from '#domain/drain';

/**
 * A separate set of adapters, with clients of its own, as another Lambda container or another
 * process would have. `close()` releases them.
 */
export function engine(overrides: Partial<RedisConfig> = {}, commit: Partial<CommitSettings> = {}) {
  const redisSettings = { ...redisConfig(), ...overrides };
  const redis: RedisClient = createRedisClient(redisSettings, { scripts: ioredisScripts() });
  const db = createDynamoDbClient(tablesConfig());
  const queue = new RedisCouponQueue(redis, redisSettings.timeoutMs);
  const store = new DynamoIssuedCouponStore(db, tablesConfig(), commit);
  const catalog = new DynamoCouponCatalog(db, tablesConfig().couponsTable);
  return {
    redis,
    db,
    queue,
    store,
    catalog,
    drain: (settings: Partial<DrainSettings> = {}) =>
      new Drain(catalog, queue, store, { batchSize: 100, pendingTimeoutMs: 30_000, ...settings }),
    create: (couponId: string, stock: number, window: Partial<NewCoupon> = {}) =>
      createCoupon({ catalog, queue }, { couponId, name: couponId, stock, ...window }, `test-${couponId}`),
    async close() {
      redis.disconnect();
      db.destroy();
    },
  };
}

export type Engine = ReturnType<typeof engine>;

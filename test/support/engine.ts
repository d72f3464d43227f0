import { DynamoCouponCatalog } from '#adapters/dynamodb/coupon-catalog';
import { type CommitSettings, DynamoIssuedCouponStore } from '#adapters/dynamodb/issued-coupon-store';
import { RedisCouponQueue } from '#adapters/redis/coupon-queue';
import { ioredisScripts } from '#adapters/redis/scripts';
import { createDynamoDbClient } from '#commons/clients/dynamodb';
import { createRedisClient, type RedisClient } from '#commons/clients/redis';
import { type RedisConfig, redisConfig, tablesConfig } from '#commons/config';
import { createCoupon, type NewCoupon } from '#domain/coupons';
import { type CouponTick, Drain, type DrainSettings, type TickReport } from '#domain/drain';
import type { CouponCatalog, CouponQueue, IssuedCouponStore } from '#domain/ports';

/** The ports a drain works through. */
export interface DrainPorts {
  catalog: CouponCatalog;
  queue: CouponQueue;
  store: IssuedCouponStore;
}

/** A drain over `ports`, with the tests' defaults (batches of 100, claims leased for 30 s). */
export function drainOver(
  { catalog, queue, store }: DrainPorts,
  settings: Partial<DrainSettings> = {},
): Drain {
  return new Drain(catalog, queue, store, { batchSize: 100, pendingTimeoutMs: 30_000, ...settings });
}

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
    queue,
    store,
    catalog,
    /** A drain over this engine's ports, or over `ports` in their place. */
    drain: (settings: Partial<DrainSettings> = {}, ports: Partial<DrainPorts> = {}) =>
      drainOver({ catalog, queue, store, ...ports }, settings),
    create: (couponId: string, stock: number, window: Partial<NewCoupon> = {}) =>
      createCoupon({ catalog, queue }, { couponId, name: couponId, stock, ...window }, `test-${couponId}`),
    async close() {
      redis.disconnect();
      db.destroy();
    },
  };
}

export type Engine = ReturnType<typeof engine>;

/** One coupon's part of a tick (other files' and tests' live coupons are drained by it too). */
export function part(report: TickReport, couponId: string): CouponTick {
  const tick = report.perCoupon.find((c) => c.couponId === couponId);
  if (!tick) throw new Error(`the tick did not visit ${couponId}`);
  return tick;
}

/** `store`, with some of its methods acting in place of its own. */
export function storeWith(store: IssuedCouponStore, over: Partial<IssuedCouponStore>): IssuedCouponStore {
  return {
    commit: (...args) => store.commit(...args),
    listByUser: (...args) => store.listByUser(...args),
    holding: (...args) => store.holding(...args),
    holders: (...args) => store.holders(...args),
    ...over,
  };
}

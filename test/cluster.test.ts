import { Cluster } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { couponKeys } from '#adapters/redis/keys';
import { closeClients, redisClient } from '#commons/dependencies';
import { engine } from './support/engine';
import { issuedRows, testDynamoDb, testRedis, uniqueId } from './support/helpers';

// Runs in the `cluster` project only: the engine on a three-master Redis Cluster.

const redis = testRedis() as Cluster;
const main = engine();
const db = testDynamoDb();
afterAll(async () => {
  redis.disconnect();
  await main.close();
  await closeClients();
});

it('talks to the cluster through the Cluster client', () => {
  expect(redisClient()).toBeInstanceOf(Cluster);
  expect(main.redis).toBeInstanceOf(Cluster);
});

it('refuses a script across slots (CROSSSLOT), so the suites passing here mean something', async () => {
  const [a, b] = ['alpha', 'omega'].map((id) => couponKeys(id).state);
  expect(await redis.cluster('KEYSLOT', `x${a}`)).not.toBe(await redis.cluster('KEYSLOT', `x${b}`));
  await expect(redis.eval('return 1', 2, a as string, b as string)).rejects.toThrow(/CROSSSLOT/);
});

it('keeps every key of a coupon (its sentinel too) in one slot, and spreads coupons over the masters', async () => {
  const coupons = Array.from({ length: 24 }, () => uniqueId('slot'));
  for (const couponId of coupons) {
    await main.create(couponId, 3);
    for (const userId of ['a', 'b', 'c', 'd']) await main.queue.admit(couponId, userId);
    await main.queue.status(couponId, 'a');
    await main.queue.snapshot(couponId);
    await main.queue.claim(couponId, 2);
    await main.queue.reclaim(couponId, 0, 10);
  }
  // The drain recovers those claims, claims the rest, settles and finishes each coupon.
  const report = await main.drain({ pendingTimeoutMs: 0 }).tick(Date.now() + 30_000);
  expect(report.failed).toBe(0);
  const prefix = process.env.REDIS_KEY_PREFIX ?? '';
  const masters = new Set<string>();
  for (const couponId of coupons) {
    const slots = new Set(
      await Promise.all(
        Object.values(couponKeys(couponId)).map((key) => redis.cluster('KEYSLOT', `${prefix}${key}`)),
      ),
    );
    expect(slots.size).toBe(1);
    const [slot] = slots;
    const owner = (await redis.cluster('SLOTS')).find(
      ([from, to]) => Number(slot) >= from && Number(slot) <= to,
    );
    masters.add(String(owner?.[2]?.[1]));
    expect((await issuedRows(db, couponId)).sort()).toEqual(['a', 'b', 'c']);
  }
  expect(masters.size).toBe(3);
  const live = (await main.catalog.live()).map((c) => c.couponId);
  expect(live).toEqual(expect.not.arrayContaining(coupons));
});

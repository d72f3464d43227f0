import { afterAll, expect, it } from 'vitest';
import type { CouponQueue } from '#domain/ports';
import { engine, part } from './support/engine';
import { uniqueId } from './support/helpers';

// Many live coupons in one tick: each is visited, a bounded number at a time. (Redis project
// only: it adds nothing on a cluster that the other suites do not cover.)

const main = engine();
afterAll(() => main.close());

const far = () => Date.now() + 60_000;

it('visits 1,000 open coupons in one tick, a bounded number at a time', async () => {
  const ids = Array.from({ length: 1000 }, () => uniqueId('many'));
  for (let i = 0; i < ids.length; i += 50) {
    await Promise.all(ids.slice(i, i + 50).map((couponId) => main.create(couponId, 2)));
  }
  await Promise.all(ids.slice(0, 100).map((couponId) => main.queue.admit(couponId, 'ann')));
  // Counts coupons with a Redis call under way at the same moment.
  const active = new Map<string, number>();
  let most = 0;
  const counted = new Proxy(main.queue, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (typeof value !== 'function') return value;
      return async (couponId: unknown, ...rest: unknown[]) => {
        const key = String(couponId);
        active.set(key, (active.get(key) ?? 0) + 1);
        most = Math.max(most, active.size);
        try {
          return await value.call(target, couponId, ...rest);
        } finally {
          const left = (active.get(key) ?? 1) - 1;
          if (left === 0) active.delete(key);
          else active.set(key, left);
        }
      };
    },
  }) as CouponQueue;
  const drain = main.drain({ couponConcurrency: 8 }, { queue: counted });
  const report = await drain.tick(far());
  for (const couponId of ids) expect(part(report, couponId)).toBeDefined();
  expect(ids.slice(0, 100).map((id) => part(report, id).persisted)).toEqual(Array(100).fill(1));
  expect(most).toBeGreaterThan(1);
  expect(most).toBeLessThanOrEqual(8);
});

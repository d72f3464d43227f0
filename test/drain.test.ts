import { afterAll, describe, expect, it } from 'vitest';
import { couponKeys } from '#adapters/redis/keys';
import type { IssuedCoupon } from '#domain/model';
import type { IssuedCouponStore } from '#domain/ports';
import { engine, part, storeWith } from './support/engine';
import { issuedRows, testDynamoDb, testRedis, uniqueId } from './support/helpers';

// The drain against a real redis-server and DynamoDB Local: FIFO, idempotence under concurrent
// drains, recovery of claims a dead drain left behind, and the seed's stuck-head case.

const main = engine();
const redis = testRedis();
const db = testDynamoDb();
afterAll(async () => {
  await main.close();
  redis.disconnect();
});

const far = () => Date.now() + 30_000;
const users = (n: number, prefix = 'u') =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`);

/** A store that records the order in which rows reach the ledger. */
function recording(store: IssuedCouponStore) {
  const order: IssuedCoupon[] = [];
  const recorder = storeWith(store, {
    commit: async (couponId, generation, rows, deadline) => {
      order.push(...rows);
      return store.commit(couponId, generation, rows, deadline);
    },
  });
  return { order, recorder };
}

describe('drain', () => {
  it('issues exactly the admitted users, in admission order (FIFO), across many small batches', async () => {
    const couponId = uniqueId('fifo');
    await main.create(couponId, 60);
    const admitted = users(60).reverse(); // admission order differs from any name order
    for (const userId of admitted) await main.queue.admit(couponId, userId);

    const { order, recorder } = recording(main.store);
    const report = part(await main.drain({ batchSize: 7 }, { store: recorder }).tick(far()), couponId);

    expect(report).toMatchObject({ claimed: 60, persisted: 60, failed: 0, queued: 0, pending: 0 });
    expect(order.filter((row) => row.couponId === couponId).map((row) => row.userId)).toEqual(admitted);
    const issuedAt = order.filter((row) => row.couponId === couponId).map((row) => Date.parse(row.issuedAt));
    expect(issuedAt).toEqual([...issuedAt].sort((a, b) => a - b));
    expect((await issuedRows(db, couponId)).sort()).toEqual([...admitted].sort());
  });

  it('drains a queue larger than a batch in one tick (no fixed cap of 100)', async () => {
    const couponId = uniqueId('big');
    await main.create(couponId, 1200);
    await Promise.all(users(1200).map((userId) => main.queue.admit(couponId, userId)));
    const report = part(await main.drain({ batchSize: 100 }).tick(far()), couponId);
    expect(report.claimed).toBe(1200);
    expect(report.persisted).toBe(1200);
    expect(await issuedRows(db, couponId)).toHaveLength(1200);
    expect((await main.catalog.get(couponId))?.ledger).toMatchObject({ issued: 1200, remaining: 0 });
  });

  it('three drains at once issue exactly the stock, each user once, with no duplicate row', async () => {
    const couponId = uniqueId('race');
    await main.create(couponId, 500);
    await Promise.all(users(500).map((userId) => main.queue.admit(couponId, userId)));
    const drains = [engine(), engine(), engine()];
    try {
      const reports = (await Promise.all(drains.map((e) => e.drain({ batchSize: 13 }).tick(far())))).map(
        (report) => part(report, couponId),
      );
      expect(reports.reduce((sum, r) => sum + r.claimed, 0)).toBe(500);
      expect(reports.filter((r) => r.claimed > 0).length).toBeGreaterThan(1);
    } finally {
      await Promise.all(drains.map((e) => e.close()));
    }
    const rows = await issuedRows(db, couponId);
    expect(rows).toHaveLength(500);
    expect(new Set(rows).size).toBe(500);
    expect(await redis.hlen(couponKeys(couponId).issued)).toBe(500);
    expect(await redis.hget(couponKeys(couponId).state, 'left')).toBe('0');
    expect((await main.catalog.get(couponId))?.ledger).toMatchObject({ issued: 500, remaining: 0 });
  });

  it('recovers the claims of a drain that died between claim and write, once their lease times out', async () => {
    const couponId = uniqueId('crash');
    await main.create(couponId, 5);
    for (const userId of users(5)) await main.queue.admit(couponId, userId);
    // A drain claims, then dies before writing anything.
    const dead = await main.queue.claim(couponId, 3);
    if (typeof dead === 'string') throw new Error(dead);
    expect(dead.userIds).toEqual(users(3));

    // Within the lease, another drain leaves those claims alone and drains the rest.
    const drain = main.drain({ pendingTimeoutMs: 400 });
    const early = part(await drain.tick(far()), couponId);
    expect(early).toMatchObject({ claimed: 2, recovered: 0, pending: 3 });
    expect((await issuedRows(db, couponId)).sort()).toEqual(users(5).slice(3));

    await expect
      .poll(async () => part(await drain.tick(far()), couponId), { timeout: 10_000, interval: 100 })
      .toMatchObject({ recovered: 3 });
    expect((await issuedRows(db, couponId)).sort()).toEqual(users(5));
    // The recovered rows carry the issue time fixed at claim time.
    const rows = await main.store.listByUser(users(1)[0] as string);
    expect(rows.find((row) => row.couponId === couponId)?.issuedAt).toBe(dead.issuedAt);
  });

  it('keeps claims pending when DynamoDB refuses them, and persists them on a later tick', async () => {
    const couponId = uniqueId('down');
    await main.create(couponId, 6);
    for (const userId of users(6)) await main.queue.admit(couponId, userId);
    const broken = storeWith(main.store, {
      commit: async (_couponId, _generation, rows) => ({
        persisted: [],
        heldBefore: [],
        refused: [],
        fenced: [],
        failed: rows,
        error: new Error('DynamoDB is down'),
      }),
    });
    const failing = part(
      await main.drain({ batchSize: 2, pendingTimeoutMs: 200 }, { store: broken }).tick(far()),
      couponId,
    );
    // Each of its two claim lanes stops after its first failed batch, rather than moving the
    // whole queue to pending.
    expect(failing).toMatchObject({ claimed: 4, persisted: 0, failed: 4, pending: 4, queued: 2 });
    expect(String(failing.lastError)).toContain('DynamoDB is down');

    const healed = main.drain({ batchSize: 2, pendingTimeoutMs: 200 });
    await expect
      .poll(async () => part(await healed.tick(far()), couponId), { timeout: 10_000, interval: 100 })
      .toMatchObject({ recovered: 4 });
    expect((await issuedRows(db, couponId)).sort()).toEqual(users(6));
    expect(await redis.zcard(couponKeys(couponId).pending)).toBe(0);
  });

  it('ends every claim lane before the tick ends, even when one lane fails', async () => {
    const couponId = uniqueId('orphan');
    await main.create(couponId, 200);
    for (const userId of users(200)) await main.queue.admit(couponId, userId);
    let commits = 0;
    const flaky = storeWith(main.store, {
      commit: async (...args) => {
        commits += 1;
        if (commits === 2) throw new Error('a bug in one lane');
        return main.store.commit(...args);
      },
    });
    await expect(main.drain({ batchSize: 10, lanes: 2 }, { store: flaky }).tick(far())).rejects.toThrow(
      'a bug in one lane',
    );
    // Nothing claims after the tick returned: the queue and pending stay as they were left.
    const k = couponKeys(couponId);
    const after = [await redis.zcard(k.queue), await redis.zcard(k.pending)];
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect([await redis.zcard(k.queue), await redis.zcard(k.pending)]).toEqual(after);
  });

  it('keeps FIFO order of claims with one lane as with two', async () => {
    const couponId = uniqueId('lanes');
    await main.create(couponId, 40);
    const admitted = users(40, 'l');
    for (const userId of admitted) await main.queue.admit(couponId, userId);
    const { order, recorder } = recording(main.store);
    const report = part(
      await main.drain({ batchSize: 3, lanes: 1 }, { store: recorder }).tick(far()),
      couponId,
    );
    expect(report).toMatchObject({ claimed: 40, persisted: 40 });
    expect(order.filter((row) => row.couponId === couponId).map((row) => row.userId)).toEqual(admitted);
  });

  it("never lets an entry block the head of the queue (the seed's stuck head)", async () => {
    const couponId = uniqueId('head');
    await main.create(couponId, 4);
    await main.queue.admit(couponId, 'first');
    await main.drain().tick(far());
    // The seed left issued users (and users it found no stock for) in the queue, at the head,
    // where they blocked everyone behind them. Put one there by hand.
    const k = couponKeys(couponId);
    await redis.zadd(k.queue, 0, 'first');
    await main.queue.admit(couponId, 'second');
    await main.queue.admit(couponId, 'third');
    const report = part(await main.drain().tick(far()), couponId);
    expect(report).toMatchObject({ claimed: 2, skipped: 1, queued: 0 });
    expect((await issuedRows(db, couponId)).sort()).toEqual(['first', 'second', 'third']);
  });

  it('drops (and counts) a queued entry that finds no stock, and finishes the sold-out coupon', async () => {
    const couponId = uniqueId('dry');
    await main.create(couponId, 1);
    await main.queue.admit(couponId, 'only');
    const k = couponKeys(couponId);
    await redis.zadd(k.queue, 9e15, 'stowaway'); // behind 'only'; no stock will be left for it
    const report = part(await main.drain().tick(far()), couponId);
    expect(report).toMatchObject({ claimed: 1, soldOut: 1, queued: 0, finished: 1 });
    expect((await main.catalog.live()).map((c) => c.couponId)).not.toContain(couponId);
    expect(await main.queue.status(couponId, 'stowaway')).toMatchObject({
      status: 'SOLD_OUT',
      state: 'FINISHED',
    });
    expect(await main.queue.status(couponId, 'only')).toMatchObject({ status: 'ISSUED' });
  });

  it('stops at its deadline and leaves the rest queued for the next tick', async () => {
    const couponId = uniqueId('budget');
    await main.create(couponId, 50);
    await Promise.all(users(50).map((userId) => main.queue.admit(couponId, userId)));
    const report = await main.drain({ batchSize: 10 }).tick(Date.now() - 1);
    expect(part(report, couponId)).toMatchObject({ claimed: 0, queued: 50 });
    const next = await main.drain({ batchSize: 10 }).tick(far());
    expect(part(next, couponId)).toMatchObject({ claimed: 50, queued: 0 });
  });
});

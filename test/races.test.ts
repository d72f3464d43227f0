import { afterAll, describe, expect, it } from 'vitest';
import { DynamoIssuedCouponStore } from '#adapters/dynamodb/issued-coupon-store';
import { couponKeys } from '#adapters/redis/keys';
import { tablesConfig } from '#commons/config';
import { addStock, changeWindow } from '#domain/coupons';
import { DependencyUnavailable } from '#domain/errors';
import type { CouponCatalog } from '#domain/ports';
import { openInQueue } from '#domain/restore';
import { engine, part, storeWith } from './support/engine';
import { issuedRows, testDynamoDb, testRedis, uniqueId } from './support/helpers';

// The drain against an admin changing the same coupon at the same moment, against a failure
// between its two finishing steps, and two drains settling the same claim: each race replayed
// at its worst moment, through a port that acts there (the stores themselves are real).

const main = engine();
const redis = testRedis();
const db = testDynamoDb();
afterAll(async () => {
  await main.close();
  redis.disconnect();
});
const far = () => Date.now() + 30_000;
const ports = { catalog: main.catalog, queue: main.queue };
const phase = async (couponId: string) => {
  const snapshot = await main.queue.snapshot(couponId);
  return typeof snapshot === 'string' ? snapshot : snapshot.state;
};

/** The real catalog, with some of its methods acting first. */
function catalogWith(over: Partial<CouponCatalog>): CouponCatalog {
  const c = main.catalog;
  return {
    create: (...a) => c.create(...a),
    get: (...a) => c.get(...a),
    getMany: (...a) => c.getMany(...a),
    list: (...a) => c.list(...a),
    live: () => c.live(),
    allIds: (...a) => c.allIds(...a),
    bumpGeneration: (...a) => c.bumpGeneration(...a),
    setWindow: (...a) => c.setWindow(...a),
    addStock: (...a) => c.addStock(...a),
    finish: (...a) => c.finish(...a),
    ...over,
  };
}

/** A coupon closed (by Redis's clock), with one user queued before the close. */
async function closedWithOneQueued(prefix: string) {
  const couponId = uniqueId(prefix);
  await main.create(couponId, 5);
  expect(await main.queue.admit(couponId, 'ann')).toMatchObject({ status: 'QUEUED' });
  await changeWindow(ports, couponId, { closesAt: 'now' });
  expect(await phase(couponId)).toBe('CLOSED');
  return couponId;
}

describe('the drain and an admin at the same moment', () => {
  it('a reopening between the two finishing steps wins: the coupon stays live and its new users are issued', async () => {
    const couponId = await closedWithOneQueued('reopen');
    const racing = catalogWith({
      finish: async (id, reason, expected) => {
        // The admin reopens the sale (closesAt: null) after Redis finished it, before the catalog does.
        if (id === couponId) await changeWindow(ports, id, { closesAt: null });
        return main.catalog.finish(id, reason, expected);
      },
    });
    await main.drain({}, { catalog: racing }).tick(far());
    expect((await main.catalog.get(couponId))?.finished).toBeUndefined();
    expect(await phase(couponId)).toBe('OPEN');
    expect(await main.queue.admit(couponId, 'bob')).toMatchObject({ status: 'QUEUED' });
    await main.drain().tick(far());
    expect((await issuedRows(db, couponId)).sort()).toEqual(['ann', 'bob']);
  });

  it('an older record read by a slow drain never undoes a window the admin changed since', async () => {
    const couponId = uniqueId('stale');
    await main.create(couponId, 5);
    let closed = false;
    const stale = catalogWith({
      live: async () => {
        const records = await main.catalog.live();
        if (!closed) {
          closed = true;
          // The admin closes the sale right after the drain read the catalog.
          await changeWindow(ports, couponId, { closesAt: 'now' });
        }
        return records;
      },
    });
    await main.drain({}, { catalog: stale }).tick(far());
    expect((await main.catalog.get(couponId))?.closesAt).toBeDefined();
    expect(await main.queue.admit(couponId, 'after-the-close')).toEqual({ status: 'CLOSED' });
  });

  it('a sync from a record older than the state changes nothing', async () => {
    const couponId = uniqueId('older');
    await main.create(couponId, 5);
    // A drain read the record (version 1) and a snapshot from before the admin's change, and
    // syncs after it: the window the admin closed stays closed.
    const older = await main.catalog.get(couponId);
    if (!older) throw new Error('the coupon was not created');
    await changeWindow(ports, couponId, { closesAt: 'now' });
    expect(await main.queue.sync(couponId, older)).toBe(false);
    expect(await phase(couponId)).toBe('CLOSED');
    expect(await main.queue.admit(couponId, 'after-the-close')).toEqual({ status: 'CLOSED' });
  });
});

describe('a drain tick between the two steps of a create', () => {
  it('leaves the coupon to its create: nothing restored, no generation bumped, no alarm', async () => {
    const couponId = uniqueId('creating');
    // The create saved the coupon in the catalog and is about to open it in Redis.
    const coupon = { couponId, name: couponId, stock: 2, createdAt: new Date().toISOString() };
    expect(await main.catalog.create(coupon, `test-${couponId}`)).toBe('CREATED');
    const report = await main.drain().tick(far());
    expect(part(report, couponId)).toMatchObject({ restored: 0 });
    const record = await main.catalog.get(couponId);
    expect(record?.ledger.generation).toBe(1);
    if (!record) throw new Error('the coupon was not created');
    expect(await openInQueue(main.queue, record)).toBe('CREATED');
    expect(await main.queue.admit(couponId, 'ann')).toMatchObject({ status: 'QUEUED' });
    await main.drain().tick(far());
    expect(await issuedRows(db, couponId)).toEqual(['ann']);
  });
});

describe('a coupon finished in Redis whose catalog step failed', () => {
  it('is finished in the catalog at the next tick', async () => {
    const couponId = await closedWithOneQueued('retry');
    let failOnce = true;
    const flaky = catalogWith({
      finish: async (id, reason, expected) => {
        if (id === couponId && failOnce) {
          failOnce = false;
          throw new DependencyUnavailable('DynamoDB', true, new Error('timeout'));
        }
        return main.catalog.finish(id, reason, expected);
      },
    });
    await expect(main.drain({}, { catalog: flaky }).tick(far())).rejects.toThrow(/DynamoDB/);
    expect(await phase(couponId)).toBe('FINISHED');
    await main.drain().tick(far());
    expect((await main.catalog.get(couponId))?.finished).toMatchObject({ reason: 'CLOSED' });
    expect((await main.catalog.live()).map((c) => c.couponId)).not.toContain(couponId);
    await expect(addStock(ports, couponId, 1, 'late-top-up')).rejects.toMatchObject({
      code: 'COUPON_FINISHED',
    });
  });
});

describe('two drains and one forgotten holder', () => {
  it('give its stock back once, however many drains settle its claim', async () => {
    const couponId = uniqueId('twice');
    await main.create(couponId, 2);
    const k = couponKeys(couponId);
    // U holds a row of record that Redis does not know (a restore that missed U in the lagging
    // byCoupon index); Redis's stock left is the ledger's: 1.
    await main.store.commit(
      couponId,
      1,
      [{ couponId, userId: 'U', issuedAt: new Date(1_000).toISOString(), used: false }],
      far(),
    );
    await redis.hset(k.state, 'left', '1');
    expect(await main.queue.admit(couponId, 'U')).toMatchObject({ status: 'QUEUED' });
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered = () => {};
    const inCommit = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const slow = storeWith(main.store, {
      commit: async (...args) => {
        entered();
        await gate;
        return main.store.commit(...args);
      },
    });
    const first = main.drain({}, { store: slow }).tick(far());
    await inCommit; // drain A claimed U and is writing it, slowly
    await main.drain({ pendingTimeoutMs: 0 }).tick(far()); // drain B leases U again and writes it
    release();
    await first;
    expect(await redis.hget(k.state, 'left')).toBe('1');
    expect((await main.catalog.get(couponId))?.ledger.remaining).toBe(1);
    expect(await main.queue.admit(couponId, 'V')).toMatchObject({ status: 'QUEUED' });
    expect(await main.queue.admit(couponId, 'W')).toEqual({ status: 'SOLD_OUT' });
    await main.drain().tick(far());
    expect((await issuedRows(db, couponId)).sort()).toEqual(['U', 'V']);
  });
});

describe('a ledger found full in one transaction of a batch', () => {
  it('still recognizes the rows of the later transactions that were written before', async () => {
    const couponId = uniqueId('full');
    await main.create(couponId, 2);
    const row = (userId: string, at: number) => ({
      couponId,
      userId,
      issuedAt: new Date(at).toISOString(),
      used: false,
    });
    // A and B were written by an earlier try whose answer was lost: the ledger is full.
    expect((await main.store.commit(couponId, 1, [row('A', 1), row('B', 2)], far())).persisted).toHaveLength(
      2,
    );
    // The batch written again puts X and Y (Redis believed in more stock) before A and B.
    const twoPerTransaction = new DynamoIssuedCouponStore(db, tablesConfig(), { rowsPerTransaction: 2 });
    const outcome = await twoPerTransaction.commit(
      couponId,
      1,
      [row('X', 3), row('Y', 4), row('A', 1), row('B', 2)],
      far(),
    );
    expect(outcome.refused.map((r) => r.userId)).toEqual(['X', 'Y']);
    expect(outcome.persisted.map((r) => r.userId)).toEqual(['A', 'B']);
    expect((await main.catalog.get(couponId))?.ledger).toMatchObject({ issued: 2, remaining: 0 });
    expect((await issuedRows(db, couponId)).sort()).toEqual(['A', 'B']);
  });
});

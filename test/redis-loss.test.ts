import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoIssuedCouponStore } from '#adapters/dynamodb/issued-coupon-store';
import { couponKeys } from '#adapters/redis/keys';
import { createDynamoDbClient } from '#commons/clients/dynamodb';
import { tablesConfig } from '#commons/config';
import type { Drain } from '#domain/drain';
import type { IssuedCoupon } from '#domain/model';
import { startRedisCluster } from '#local/redis-cluster';
import { startRedis } from '#local/redis-server';
import { type Engine, engine, part } from './support/engine';
import { issuedRows, testDynamoDb, uniqueId } from './support/helpers';
import type { startApi as StartApi } from './support/http';
import { startProxy } from './support/proxy';

// When Redis forgets (a failover that loses acknowledged writes, a restart without persistence,
// here a real FLUSHALL of a Redis of this file's own): DynamoDB's ledger still decides. Nothing
// is issued beyond stock, no row is written twice or rewritten, the coupon answers 503 until it
// is restored, and then every holder is still a holder.

const db = testDynamoDb();
let stopRedis: () => Promise<void>;
let nodes: string[];
let main: Engine;
let drain: Drain;
/** The HTTP API over this file's Redis: what a shopper sees of a loss. */
let api: Awaited<ReturnType<typeof StartApi>>;
let closeClients: () => Promise<void>;

beforeAll(async () => {
  if (process.env.REDIS_CLUSTER === 'true') {
    const cluster = await startRedisCluster();
    process.env.REDIS_URL = cluster.url;
    nodes = cluster.nodes.map((n) => n.url);
    stopRedis = cluster.stop;
  } else {
    const single = await startRedis();
    process.env.REDIS_URL = single.url;
    nodes = [single.url];
    stopRedis = single.stop;
  }
  main = engine();
  drain = main.drain({ pendingTimeoutMs: 300 });
  await drain.reconcile(Date.now() + 10_000); // a new Redis: the drain puts the sentinels in
  // Handler modules read the environment when they load: load them only now.
  ({ closeClients } = await import('#commons/dependencies'));
  api = await (await import('./support/http')).startApi();
});
afterAll(async () => {
  await api?.close();
  await closeClients?.();
  await main?.close();
  await stopRedis?.();
});

/** Redis loses everything, sentinels included. */
async function flushAll(): Promise<void> {
  for (const url of nodes) {
    const node = new Redis(url);
    await node.flushall();
    node.disconnect();
  }
}

const far = () => Date.now() + 10_000;

/** What whoever redeems coupons does to a row: `used`, which no write of this system may undo. */
async function markUsed(couponId: string, userId: string): Promise<void> {
  await db.send(
    new UpdateCommand({
      TableName: process.env.ISSUED_TABLE,
      Key: { userId, couponId },
      UpdateExpression: 'SET used = :true',
      ExpressionAttributeValues: { ':true': true },
    }),
  );
}
const ledger = async (couponId: string) => (await main.catalog.get(couponId))?.ledger;

async function admitAll(couponId: string, users: string[]) {
  for (const userId of users)
    expect(await main.queue.admit(couponId, userId)).toMatchObject({ status: 'QUEUED' });
}

describe('a Redis that loses its data', () => {
  it('fences off a write from before the loss: rows never exceed the stock, whatever lands late', async () => {
    const couponId = uniqueId('late');
    await main.create(couponId, 2);
    await admitAll(couponId, ['a', 'b']);
    const claim = await main.queue.claim(couponId, 10);
    if (typeof claim === 'string') throw new Error(claim);

    // A drain sends its write, which a slow network holds.
    const proxy = await startProxy({
      host: '127.0.0.1',
      port: Number(new URL(tablesConfig().endpoint as string).port),
    });
    const slowDb = createDynamoDbClient({
      ...tablesConfig(),
      endpoint: proxy.url('http'),
      timeoutMs: 60_000,
    });
    proxy.blackholeNew(true);
    const rows = claim.userIds.map(
      (userId): IssuedCoupon => ({ couponId, userId, issuedAt: claim.issuedAt, used: false }),
    );
    const late = new DynamoIssuedCouponStore(slowDb, tablesConfig()).commit(
      couponId,
      claim.generation,
      rows,
      far() + 50_000,
    );
    await expect.poll(() => proxy.connections()).toBeGreaterThan(0);

    // Redis forgets; the coupon answers 503 until the drain restores it from the ledger.
    await flushAll();
    await expect(main.queue.admit(couponId, 'c')).resolves.toBe('LOST');
    const reconciled = await drain.reconcile(far());
    expect(reconciled.missingSentinels).toBeGreaterThan(0);
    expect(reconciled.restored).toBeGreaterThanOrEqual(1);
    await admitAll(couponId, ['c', 'd']);
    expect(part(await drain.tick(far()), couponId)).toMatchObject({ persisted: 2 });

    // The held write arrives now: its generation is gone, the ledger refuses it whole.
    proxy.release();
    const outcome = await late;
    expect(outcome.fenced.map((row) => row.userId).sort()).toEqual(['a', 'b']);
    expect(outcome.persisted).toEqual([]);
    expect((await issuedRows(db, couponId)).sort()).toEqual(['c', 'd']);
    expect(await ledger(couponId)).toMatchObject({ issued: 2, remaining: 0 });
    for (const userId of ['c', 'd']) {
      expect(await main.queue.status(couponId, userId)).toMatchObject({ status: 'ISSUED' });
    }
    slowDb.destroy();
    await proxy.close();
  });

  it('answers 503 until the coupon is restored, then keeps every holder and the exact stock left', async () => {
    const couponId = uniqueId('lost');
    await main.create(couponId, 5);
    await admitAll(couponId, ['ann', 'ben', 'cat']);
    await drain.tick(far());
    const before = await main.queue.status(couponId, 'ben');

    await flushAll();
    expect(await main.queue.admit(couponId, 'ann')).toBe('LOST');
    expect(await main.queue.status(couponId, 'ann')).toBe('LOST');
    expect(await main.queue.snapshot(couponId)).toBe('LOST');
    // Over HTTP: a 503 that says so, for a request and a status alike, and RESTORING in the list.
    for (const [method, path, body] of [
      ['POST', `/coupons/${couponId}/requests`, { userId: 'ann' }],
      ['GET', `/coupons/${couponId}/requests/ben`, undefined],
    ] as const) {
      const reply = await api.call(method, path, body);
      expect(reply, `${method} ${path}`).toMatchObject({ status: 503, body: { error: 'COUPON_RESTORING' } });
      expect(reply.headers.get('retry-after')).toBe('1');
    }
    const listed = (await api.call('GET', '/coupons?limit=100')).body.items;
    expect(listed.find((c: { couponId: string }) => c.couponId === couponId)).toMatchObject({
      state: 'RESTORING',
    });
    await drain.reconcile(far());
    const again = await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    expect(again).toMatchObject({ status: 409, body: { status: 'ALREADY_ISSUED' } });

    expect(await main.queue.admit(couponId, 'ann')).toEqual({ status: 'ALREADY_ISSUED' });
    const after = await main.queue.status(couponId, 'ben');
    expect(after).toMatchObject({ status: 'ISSUED' });
    expect((after as { issuedAt: string }).issuedAt).toBe((before as { issuedAt: string }).issuedAt);
    expect(await main.queue.snapshot(couponId)).toMatchObject({ issued: 3, stockLeft: 2, available: 2 });
    await admitAll(couponId, ['dan', 'eve']);
    expect(await main.queue.admit(couponId, 'fay')).toEqual({ status: 'SOLD_OUT' });
    await drain.tick(far());
    expect((await issuedRows(db, couponId)).sort()).toEqual(['ann', 'ben', 'cat', 'dan', 'eve']);
    expect(await ledger(couponId)).toMatchObject({ issued: 5, remaining: 0 });
  });

  it('loads many holders back page by page across ticks, answering 503 until the last page', async () => {
    const couponId = uniqueId('many');
    const holders = Array.from({ length: 1200 }, (_, i) => `h${i}`);
    await main.create(couponId, 1500);
    await Promise.all(holders.map((userId) => main.queue.admit(couponId, userId)));
    await drain.tick(far());
    expect(await ledger(couponId)).toMatchObject({ issued: 1200 });

    await flushAll();
    const slow = main.drain({ restorePageSize: 200 });
    await slow.reconcile(Date.now()); // no time: the state is made, the holders wait
    let ticks = 0;
    while ((await main.queue.admit(couponId, 'newcomer')) === 'RESTORING') {
      const report = part(await slow.tick(Date.now()), couponId); // one page a tick
      ticks += 1;
      if (report.restoring === 0) break;
    }
    expect(ticks).toBeGreaterThan(3);
    expect(await main.queue.snapshot(couponId)).toMatchObject({
      issued: 1200,
      stockLeft: 300,
      restoring: false,
    });
    for (const userId of ['h0', 'h599', 'h1199']) {
      expect(await main.queue.admit(couponId, userId)).toEqual({ status: 'ALREADY_ISSUED' });
    }
  });

  it('recognizes a holder Redis forgot and claimed again: no second row, and the stock goes back', async () => {
    const couponId = uniqueId('forgot');
    await main.create(couponId, 3);
    await admitAll(couponId, ['ann']);
    await drain.tick(far());
    const original = (await main.store.holding(couponId, 'ann'))?.issuedAt;
    await markUsed(couponId, 'ann'); // she has redeemed it already
    // The index missed ann when the coupon was restored: Redis no longer knows she holds it.
    await main.redis.hdel(couponKeys(couponId).issued, 'ann');
    await admitAll(couponId, ['ann', 'ben']);
    const report = part(await drain.tick(far()), couponId);
    expect(report).toMatchObject({ claimed: 2, persisted: 1, heldBefore: 1 });
    expect(await main.queue.status(couponId, 'ann')).toMatchObject({ status: 'ISSUED', issuedAt: original });
    expect(await main.store.holding(couponId, 'ann')).toMatchObject({ issuedAt: original, used: true });
    // The stock Redis took for her second claim is back: two more can still win.
    expect(await main.queue.snapshot(couponId)).toMatchObject({ issued: 2, stockLeft: 1 });
    await admitAll(couponId, ['cat']);
    await drain.tick(far());
    expect((await issuedRows(db, couponId)).sort()).toEqual(['ann', 'ben', 'cat']);
    expect(await ledger(couponId)).toMatchObject({ issued: 3, remaining: 0 });
  });
});

describe('whatever Redis claims', () => {
  it('never lets the ledger hold more rows than the stock, even when Redis believes in more', async () => {
    const couponId = uniqueId('over');
    await main.create(couponId, 3);
    // A Redis that has it wrong: ten times the stock left.
    await main.redis.hset(couponKeys(couponId).state, 'left', '30');
    const users = Array.from({ length: 10 }, (_, i) => `u${i}`);
    await admitAll(couponId, users);
    const report = part(await drain.tick(far()), couponId);
    expect(report).toMatchObject({ persisted: 3, refused: 7 });
    expect((await issuedRows(db, couponId)).sort()).toEqual(['u0', 'u1', 'u2']);
    expect(await ledger(couponId)).toMatchObject({ issued: 3, remaining: 0 });
    // The refused claims are undone: they are not told ISSUED.
    expect(await main.queue.status(couponId, 'u9')).not.toMatchObject({ status: 'ISSUED' });
  });

  it('never rewrites a row: `used`, set by whoever redeems coupons, survives a claim written again', async () => {
    const couponId = uniqueId('used');
    await main.create(couponId, 2);
    await admitAll(couponId, ['ann']);
    // A drain claims and writes, then dies before it acknowledges.
    const claim = await main.queue.claim(couponId, 10);
    if (typeof claim === 'string') throw new Error(claim);
    const row: IssuedCoupon = { couponId, userId: 'ann', issuedAt: claim.issuedAt, used: false };
    expect((await main.store.commit(couponId, claim.generation, [row], far())).persisted).toHaveLength(1);
    await markUsed(couponId, 'ann');
    // The claim's lease runs out; a later tick writes it again.
    await expect
      .poll(async () => part(await drain.tick(far()), couponId), { timeout: 10_000, interval: 100 })
      .toMatchObject({ recovered: 1, pending: 0 });
    expect(await main.store.holding(couponId, 'ann')).toMatchObject({ used: true });
    expect(await ledger(couponId)).toMatchObject({ issued: 1, remaining: 1 });
  });
});

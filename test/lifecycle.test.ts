import { afterAll, describe, expect, it } from 'vitest';
import { couponKeys } from '#adapters/redis/keys';
import { runDrainLoop, type TickReport } from '#domain/drain';
import { engine, part } from './support/engine';
import { testRedis, uniqueId } from './support/helpers';
import { useApi } from './support/http';

// A sale's life: a window decided by Redis's clock, admin controls (list, window, top-up), the
// drain finishing a coupon and its keys expiring with every answer still right, and a drain
// that costs nothing when there is nothing to do.

const api = useApi();
const main = engine();
const redis = testRedis();
afterAll(async () => {
  await main.close();
  redis.disconnect();
});

const far = () => Date.now() + 30_000;
const request = (couponId: string, userId: string) =>
  api.call('POST', `/coupons/${couponId}/requests`, { userId });
const status = (couponId: string, userId: string) =>
  api.call('GET', `/coupons/${couponId}/requests/${userId}`);
const describeCoupon = async (couponId: string) => (await api.call('GET', `/coupons/${couponId}`)).body;
const redisNow = async () => {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
};

async function create(body: Record<string, unknown>) {
  const couponId = uniqueId('sale');
  const reply = await api.call('POST', '/coupons', { couponId, name: 'Sale', stock: 3, ...body });
  expect(reply.status).toBe(201);
  return couponId;
}

describe('sale windows, on Redis clock', () => {
  it('refuses requests before opensAt with the time to count down from, leaving no trace, then opens', async () => {
    const opensAt = (await redisNow()) + 1000; // a second ahead of Redis, whatever the test's clock says
    const couponId = await create({ opensAt: new Date(opensAt).toISOString() });
    const early = await request(couponId, 'ann');
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({
      status: 'NOT_OPEN',
      error: 'NOT_OPEN',
      opensAt: new Date(opensAt).toISOString(),
    });
    expect(Date.parse(early.body.now)).toBeLessThan(opensAt);
    expect(await redis.zcard(couponKeys(couponId).queue)).toBe(0);
    expect(await describeCoupon(couponId)).toMatchObject({
      state: 'SCHEDULED',
      opensAt: new Date(opensAt).toISOString(),
    });
    expect((await status(couponId, 'ann')).body).toMatchObject({ status: 'NOT_OPEN', state: 'SCHEDULED' });

    // Asked without pause: no NOT_OPEN once Redis's clock reaches opensAt, to the millisecond.
    const refusals: number[] = [];
    for (;;) {
      const reply = await request(couponId, 'ann');
      if (reply.status === 202) break;
      expect(reply.body.status).toBe('NOT_OPEN');
      refusals.push(Date.parse(reply.body.now));
    }
    expect(Math.max(...refusals)).toBeLessThan(opensAt);
    const admittedAt = Number(await redis.zscore(couponKeys(couponId).queue, 'ann')) / 1000;
    expect(admittedAt).toBeGreaterThanOrEqual(opensAt);
    expect(await describeCoupon(couponId)).toMatchObject({ state: 'OPEN', queued: 1 });
  });

  it('admits a request at exactly opensAt', async () => {
    const couponId = await create({});
    // opensAt set to Redis's own now, then asked at once: within that millisecond or after.
    const now = await redisNow();
    await main.redis.hset(couponKeys(couponId).state, 'opensAt', String(now));
    expect(await main.queue.admit(couponId, 'ann')).toEqual({ status: 'QUEUED', position: 1 });
  });

  it('closes while users wait: they are issued, later requests are CLOSED, and the drain finishes it', async () => {
    const couponId = await create({ stock: 5 });
    for (const userId of ['ann', 'ben']) expect((await request(couponId, userId)).status).toBe(202);
    const closed = await api.call('PATCH', `/coupons/${couponId}`, { closesAt: 'now' });
    expect(closed.status).toBe(200);
    expect(Date.parse(closed.body.closesAt)).not.toBeNaN();
    const late = await request(couponId, 'cat');
    expect(late).toMatchObject({ status: 410, body: { status: 'CLOSED', error: 'CLOSED' } });
    expect((await request(couponId, 'ann')).body).toEqual({ status: 'QUEUED', position: 1 });
    expect(await describeCoupon(couponId)).toMatchObject({ state: 'CLOSED', queued: 2 });

    expect(part(await main.drain().tick(far()), couponId)).toMatchObject({ persisted: 2, finished: 1 });
    expect(await describeCoupon(couponId)).toMatchObject({ state: 'FINISHED', persisted: 2 });
    expect((await status(couponId, 'ben')).body).toMatchObject({ status: 'ISSUED', state: 'FINISHED' });
    expect((await status(couponId, 'cat')).body).toMatchObject({ status: 'CLOSED', state: 'FINISHED' });
    expect((await request(couponId, 'dan')).status).toBe(410);
  });

  it('goes SCHEDULED -> OPEN -> SOLD_OUT -> FINISHED', async () => {
    const couponId = await create({ stock: 1, opensAt: new Date((await redisNow()) + 60_000).toISOString() });
    expect((await describeCoupon(couponId)).state).toBe('SCHEDULED');
    expect((await api.call('PATCH', `/coupons/${couponId}`, { opensAt: 'now' })).status).toBe(200);
    expect((await describeCoupon(couponId)).state).toBe('OPEN');
    expect((await request(couponId, 'ann')).status).toBe(202);
    expect((await describeCoupon(couponId)).state).toBe('SOLD_OUT');
    await main.drain().tick(far());
    expect(await describeCoupon(couponId)).toMatchObject({ state: 'FINISHED', persisted: 1 });
  });
});

describe('admin controls', () => {
  it('lists coupons newest first, page by page, each with its state', async () => {
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push(await create({}));
    const seen: { couponId: string; state: string }[] = [];
    let cursor: string | undefined;
    do {
      const reply = await api.call(
        'GET',
        `/coupons?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      );
      expect(reply.status).toBe(200);
      expect(reply.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...reply.body.items);
      cursor = reply.body.cursor;
    } while (cursor);
    const mine = seen.filter((c) => made.includes(c.couponId)).map((c) => c.couponId);
    expect(mine).toEqual([...made].reverse());
    expect(seen.every((c) => typeof c.state === 'string')).toBe(true);
    const createdAt = seen.map((c) => (c as unknown as { createdAt: string }).createdAt);
    expect(createdAt).toEqual([...createdAt].sort().reverse());
  });

  it('refuses a cursor it did not give, a limit out of range, and bad windows, changing nothing', async () => {
    expect((await api.call('GET', '/coupons?cursor=not-a-cursor')).body.error).toBe('INVALID_CURSOR');
    expect((await api.call('GET', '/coupons?limit=0')).status).toBe(400);
    expect((await api.call('GET', '/coupons?limit=101')).status).toBe(400);
    const couponId = await create({});
    const before = await describeCoupon(couponId);
    const cases: [Record<string, unknown>, number, string][] = [
      [{}, 400, 'INVALID_REQUEST'],
      [{ opensAt: 'tomorrow' }, 400, 'INVALID_REQUEST'],
      [{ closesAt: '2026-11-27T10:00:00' }, 400, 'INVALID_REQUEST'],
      [{ stock: 5 }, 400, 'INVALID_REQUEST'],
      [{ opensAt: new Date(Date.now() + 3_600_000).toISOString() }, 409, 'ALREADY_OPEN'],
    ];
    for (const [body, code, error] of cases) {
      const reply = await api.call('PATCH', `/coupons/${couponId}`, body);
      expect([reply.status, reply.body.error], JSON.stringify(body)).toEqual([code, error]);
    }
    const scheduled = await create({ opensAt: new Date((await redisNow()) + 3_600_000).toISOString() });
    const backwards = await api.call('PATCH', `/coupons/${scheduled}`, {
      closesAt: new Date((await redisNow()) + 60_000).toISOString(),
    });
    expect(backwards).toMatchObject({ status: 400, body: { error: 'INVALID_WINDOW' } });
    expect((await api.call('PATCH', `/coupons/${uniqueId('none')}`, { closesAt: 'now' })).status).toBe(404);
    // A create whose window is over, or backwards, creates nothing.
    const at = async (offsetMs: number) => new Date((await redisNow()) + offsetMs).toISOString();
    const windows: [Record<string, string>, string][] = [
      [{ closesAt: await at(-60_000) }, 'closesAt must be in the future.'],
      [{ opensAt: await at(-120_000), closesAt: await at(-60_000) }, 'closesAt must be in the future.'],
      [{ opensAt: await at(7_200_000), closesAt: await at(3_600_000) }, 'closesAt must be after opensAt.'],
    ];
    for (const [window, message] of windows) {
      const refusedId = uniqueId('window');
      const reply = await api.call('POST', '/coupons', {
        couponId: refusedId,
        name: 'Window',
        stock: 5,
        ...window,
      });
      expect(reply, JSON.stringify(window)).toMatchObject({
        status: 400,
        body: { error: 'INVALID_WINDOW', message },
      });
      expect((await api.call('GET', `/coupons/${refusedId}`)).status).toBe(404);
    }
    expect(await describeCoupon(couponId)).toMatchObject({ ...before, now: expect.any(String) });
  });

  it('adds stock to the ledger and Redis alike, and refuses it once the coupon is finished', async () => {
    const couponId = await create({ stock: 1 });
    expect((await request(couponId, 'ann')).status).toBe(202);
    expect((await request(couponId, 'ben')).status).toBe(410);
    const topUp = await api.call('POST', `/coupons/${couponId}/stock`, { add: 2 });
    expect(topUp).toMatchObject({ status: 200, body: { stock: 3 } });
    expect((await main.catalog.get(couponId))?.ledger).toMatchObject({ remaining: 3 });
    expect(await describeCoupon(couponId)).toMatchObject({ stock: 3, available: 2, state: 'OPEN' });
    expect((await request(couponId, 'ben')).status).toBe(202);
    expect((await api.call('POST', `/coupons/${couponId}/stock`, { add: 0 })).status).toBe(400);
    expect((await api.call('POST', `/coupons/${couponId}/stock`, { add: 10_000_000 })).body.error).toBe(
      'STOCK_LIMIT',
    );
    await api.call('PATCH', `/coupons/${couponId}`, { closesAt: 'now' });
    await main.drain().tick(far());
    const refused = await api.call('POST', `/coupons/${couponId}/stock`, { add: 1 });
    expect(refused).toMatchObject({ status: 409, body: { error: 'COUPON_FINISHED' } });
    expect((await main.catalog.get(couponId))?.stock).toBe(3);
  });

  it('never loses or invents stock when a top-up stops between the ledger and Redis, or is retried', async () => {
    const couponId = await create({ stock: 2 });
    // The ledger took the top-up; the function died before Redis heard of it. Then the same
    // call (one request token) is tried again.
    expect(await main.catalog.addStock(couponId, 5, 'token-1')).toMatchObject({ stock: 7 });
    expect(await main.catalog.addStock(couponId, 5, 'token-1')).toMatchObject({ stock: 7 });
    expect(await main.queue.snapshot(couponId)).toMatchObject({ total: 2, stockLeft: 2 });
    await main.drain().tick(far());
    expect(await main.queue.snapshot(couponId)).toMatchObject({ total: 7, stockLeft: 7 });
    expect((await main.catalog.get(couponId))?.ledger).toMatchObject({ remaining: 7, issued: 0 });
  });
});

describe('a finished coupon costs nothing', () => {
  it('expires its keys after the grace period, and every answer stays right', async () => {
    const soldOut = await create({ stock: 2 });
    const closed = await create({ stock: 5 });
    for (const userId of ['ann', 'ben']) await request(soldOut, userId);
    await request(closed, 'ann');
    await api.call('PATCH', `/coupons/${closed}`, { closesAt: 'now' });
    const drain = main.drain({ finishGraceMs: 300 });
    const report = await drain.tick(far());
    expect(part(report, soldOut)).toMatchObject({ finished: 1 });
    expect(part(report, closed)).toMatchObject({ finished: 1 });
    // No longer visited by the drain.
    const live = (await main.catalog.live()).map((c) => c.couponId);
    expect(live).not.toContain(soldOut);
    expect(live).not.toContain(closed);

    await expect
      .poll(
        async () =>
          (await redis.exists(couponKeys(soldOut).issued)) + (await redis.exists(couponKeys(closed).issued)),
        { timeout: 10_000 },
      )
      .toBe(0);
    // What stays: the small state, so late requests still get the right answer.
    expect(await redis.exists(couponKeys(soldOut).state)).toBe(1);
    expect(await request(soldOut, 'ann')).toMatchObject({ status: 409, body: { status: 'ALREADY_ISSUED' } });
    expect((await status(soldOut, 'ben')).body).toMatchObject({ status: 'ISSUED', state: 'FINISHED' });
    expect((await request(soldOut, 'cat')).body).toMatchObject({ status: 'SOLD_OUT' });
    expect((await status(soldOut, 'cat')).body).toMatchObject({ status: 'SOLD_OUT' });
    expect((await request(closed, 'ann')).status).toBe(409);
    expect((await request(closed, 'ben')).body).toMatchObject({ status: 'CLOSED' });
    expect((await status(closed, 'ben')).body).toMatchObject({ status: 'CLOSED', state: 'FINISHED' });
  });
});

describe('the drain at scale and at rest', () => {
  it('returns after one tick when nobody waits, nothing is pending and nothing opens within a minute', async () => {
    await create({ opensAt: new Date((await redisNow()) + 3_600_000).toISOString() });
    let ticks = 0;
    const done = await runDrainLoop(main.drain(), {
      intervalMs: 50,
      windowMs: 55_000,
      remainingMs: () => 90_000,
      reserveMs: 10_000,
      stopWhenIdle: true,
      onTick: () => {
        ticks += 1;
      },
    });
    expect([done, ticks]).toEqual([1, 1]);
  });

  it('keeps ticking while a coupon opens within the next minute', async () => {
    const couponId = await create({ opensAt: new Date((await redisNow()) + 30_000).toISOString() });
    const ticks: TickReport[] = [];
    await runDrainLoop(main.drain(), {
      intervalMs: 20,
      windowMs: 5_000,
      remainingMs: () => 90_000,
      reserveMs: 0,
      stopWhenIdle: true,
      onTick: (report) => {
        ticks.push(report);
      },
    });
    expect(ticks.length).toBeGreaterThan(1);
    expect(part(ticks[0] as TickReport, couponId)).toMatchObject({ opensSoon: true });
    await api.call('PATCH', `/coupons/${couponId}`, {
      opensAt: new Date((await redisNow()) + 3_600_000).toISOString(),
    });
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { drain } from '#functions/handlers/drain';
import { issuedRows, keysMatching, testDynamoDb, testRedis, uniqueId } from './support/helpers';
import { useApi } from './support/http';

// Every outcome of the HTTP API, through the local runtime's API Gateway adapter, the real
// handler modules, a real redis-server and real DynamoDB Local.

const api = useApi();
const redis = testRedis();
const db = testDynamoDb();

afterAll(async () => {
  redis.disconnect();
});

const drainAll = () => drain.tick(Date.now() + 10_000);

async function newCoupon(stock: number, name = 'Flash sale') {
  const couponId = uniqueId('c');
  const reply = await api.call('POST', '/coupons', { couponId, name, stock });
  expect(reply.status).toBe(201);
  return couponId;
}

describe('POST /coupons', () => {
  it('creates a coupon: 201 with the coupon and its location', async () => {
    const couponId = uniqueId('c');
    const reply = await api.call('POST', '/coupons', { couponId, name: 'Welcome 10%', stock: 5 });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ couponId, name: 'Welcome 10%', stock: 5 });
    expect(Date.parse(reply.body.createdAt)).not.toBeNaN();
    expect(reply.headers.get('location')).toBe(`/coupons/${couponId}`);
    const view = await api.call('GET', `/coupons/${couponId}`);
    expect(view.body).toMatchObject({ stock: 5, available: 5, queued: 0, issued: 0, pending: 0 });
  });

  it('answers 409 for an existing id and keeps the first definition', async () => {
    const couponId = await newCoupon(2, 'First');
    const reply = await api.call('POST', '/coupons', { couponId, name: 'Second', stock: 9 });
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ error: 'COUPON_EXISTS' });
    expect(reply.body.message).toContain(couponId);
    const view = await api.call('GET', `/coupons/${couponId}`);
    expect(view.body).toMatchObject({ name: 'First', stock: 2, available: 2 });
  });

  it('answers 400 with a message naming each bad field', async () => {
    const reply = await api.call('POST', '/coupons', { couponId: 'a b', name: '', stock: -1 });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe('INVALID_REQUEST');
    expect(reply.body.message).toMatch(/couponId: must be 1 to 64 characters/);
    expect(reply.body.message).toMatch(/name: must not be empty/);
    expect(reply.body.message).toMatch(/stock: must be at least 1/);
  });
});

describe('GET /coupons/{couponId}', () => {
  it('answers 404 for an unknown coupon', async () => {
    const reply = await api.call('GET', `/coupons/${uniqueId('none')}`);
    expect(reply.status).toBe(404);
    expect(reply.body.error).toBe('COUPON_NOT_FOUND');
  });

  it('counts queued, issued and available as requests come and the drain runs', async () => {
    const couponId = await newCoupon(3);
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'u1' });
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'u2' });
    expect((await api.call('GET', `/coupons/${couponId}`)).body).toMatchObject({
      stock: 3,
      available: 1,
      queued: 2,
      issued: 0,
      pending: 0,
    });
    await drainAll();
    expect((await api.call('GET', `/coupons/${couponId}`)).body).toMatchObject({
      stock: 3,
      available: 1,
      queued: 0,
      issued: 2,
      pending: 0,
    });
  });
});

describe('POST /coupons/{couponId}/requests', () => {
  it('queues users in arrival order, 202 with a 1-based position', async () => {
    const couponId = await newCoupon(3);
    const positions = [];
    for (const userId of ['ann', 'ben', 'cat']) {
      const reply = await api.call('POST', `/coupons/${couponId}/requests`, { userId });
      expect(reply.status).toBe(202);
      positions.push(reply.body);
    }
    expect(positions).toEqual([
      { status: 'QUEUED', position: 1 },
      { status: 'QUEUED', position: 2 },
      { status: 'QUEUED', position: 3 },
    ]);
  });

  it('gives a repeated request the same position and never moves anyone', async () => {
    const couponId = await newCoupon(5);
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ben' });
    const again = await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    expect(again).toMatchObject({ status: 202, body: { status: 'QUEUED', position: 1 } });
    const ben = await api.call('GET', `/coupons/${couponId}/requests/ben`);
    expect(ben.body).toMatchObject({ status: 'QUEUED', position: 2, state: 'OPEN' });
    expect((await api.call('GET', `/coupons/${couponId}`)).body.queued).toBe(2);
  });

  it('answers 410 SOLD_OUT once the queue holds the whole stock, and writes nothing', async () => {
    const couponId = await newCoupon(2);
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ben' });
    const late = await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'cat' });
    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ status: 'SOLD_OUT', error: 'SOLD_OUT' });
    expect(late.body.message).toBeTruthy();
    expect((await api.call('GET', `/coupons/${couponId}`)).body).toMatchObject({ queued: 2, available: 0 });
    expect(await redis.zscore(`coupon:queue:{${couponId}}`, 'cat')).toBeNull();
  });

  it('answers 409 ALREADY_ISSUED to a user who holds the coupon', async () => {
    const couponId = await newCoupon(2);
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    await drainAll();
    const again = await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 'ALREADY_ISSUED', error: 'ALREADY_ISSUED' });
  });

  it('answers 404 for an unknown coupon and leaves no trace in Redis', async () => {
    const couponId = uniqueId('none');
    const reply = await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    expect(reply.status).toBe(404);
    expect(reply.body.error).toBe('COUPON_NOT_FOUND');
    expect(await keysMatching(redis, `*{${couponId}}*`)).toEqual([]);
  });

  it('answers 400 for a bad user id', async () => {
    const couponId = await newCoupon(1);
    const reply = await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'x'.repeat(65) });
    expect(reply.status).toBe(400);
    expect(reply.body.message).toMatch(/userId: must be 1 to 64 characters/);
  });
});

describe('GET /coupons/{couponId}/requests/{userId}', () => {
  it('tells NOT_REQUESTED, QUEUED with position, ISSUED with time, and SOLD_OUT', async () => {
    const couponId = await newCoupon(1);
    const status = (userId: string) => api.call('GET', `/coupons/${couponId}/requests/${userId}`);
    expect((await status('ann')).body).toMatchObject({ status: 'NOT_REQUESTED', state: 'OPEN' });
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    expect((await status('ann')).body).toMatchObject({ status: 'QUEUED', position: 1, state: 'SOLD_OUT' });
    expect((await status('ben')).body).toMatchObject({ status: 'SOLD_OUT', state: 'SOLD_OUT' });
    expect(Date.parse((await status('ben')).body.now)).not.toBeNaN();
    await drainAll();
    const issued = await status('ann');
    expect(issued.status).toBe(200);
    expect(issued.body.status).toBe('ISSUED');
    expect(Date.parse(issued.body.issuedAt)).not.toBeNaN();
  });

  it('answers 404 for an unknown coupon', async () => {
    const reply = await api.call('GET', `/coupons/${uniqueId('none')}/requests/ann`);
    expect(reply.status).toBe(404);
  });
});

describe('GET /users/{userId}/coupons', () => {
  it('lists the coupons a user holds, as stored in DynamoDB', async () => {
    const userId = uniqueId('u');
    const first = await newCoupon(1);
    const second = await newCoupon(1);
    await api.call('POST', `/coupons/${first}/requests`, { userId });
    await api.call('POST', `/coupons/${second}/requests`, { userId });
    expect((await api.call('GET', `/users/${userId}/coupons`)).body).toEqual({ items: [] });
    await drainAll();
    const reply = await api.call('GET', `/users/${userId}/coupons`);
    expect(reply.status).toBe(200);
    expect(reply.body.items.map((item: { couponId: string }) => item.couponId).sort()).toEqual(
      [first, second].sort(),
    );
    for (const item of reply.body.items) {
      expect(item).toMatchObject({ userId, used: false });
      expect(Date.parse(item.issuedAt)).not.toBeNaN();
    }
    expect(await issuedRows(db, first)).toEqual([userId]);
  });
});

describe('the rest of the surface', () => {
  it('GET /health answers 200', async () => {
    expect(await api.call('GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('an unknown route answers 404 in the error format', async () => {
    const reply = await api.call('DELETE', '/coupons');
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ error: 'NOT_FOUND' });
  });
});

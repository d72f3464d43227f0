import { afterAll, expect, it } from 'vitest';
import { couponKeys } from '#adapters/redis/keys';
import { engine } from './support/engine';
import { issuedRows, testDynamoDb, testRedis, uniqueId } from './support/helpers';
import { useApi } from './support/http';

// A burst of concurrent requests over HTTP, from many connections, with repeats, then drains:
// the stock goes to exactly as many distinct users, each answer agrees with the end state.

const api = useApi();
const redis = testRedis();
const db = testDynamoDb();
afterAll(async () => {
  redis.disconnect();
});

it('a burst of 3000 requests (1000 users, each three times) for 300 coupons', async () => {
  const couponId = uniqueId('burst');
  expect((await api.call('POST', '/coupons', { couponId, name: 'burst', stock: 300 })).status).toBe(201);

  const userIds = Array.from({ length: 1000 }, (_, i) => `user${i}`);
  const requests = [...userIds, ...userIds, ...userIds].sort(() => Math.random() - 0.5);
  const answers = new Map<string, { status: number; position?: number }[]>();
  let next = 0;
  const client = async () => {
    while (next < requests.length) {
      const userId = requests[next++] as string;
      const reply = await api.call('POST', `/coupons/${couponId}/requests`, { userId });
      const list = answers.get(userId) ?? [];
      list.push({ status: reply.status, position: reply.body.position });
      answers.set(userId, list);
    }
  };
  await Promise.all(Array.from({ length: 64 }, client));

  const statuses = [...answers.values()].flat().map((a) => a.status);
  expect(statuses.filter((s) => s !== 202 && s !== 410)).toEqual([]);
  const winners = userIds.filter((u) => answers.get(u)?.some((a) => a.status === 202));
  expect(winners).toHaveLength(300);
  for (const userId of userIds) {
    const mine = answers.get(userId) ?? [];
    expect(mine).toHaveLength(3);
    // Once sold out, always sold out; once queued, always queued at the same place.
    expect(new Set(mine.map((a) => a.status)).size).toBe(1);
    expect(new Set(mine.map((a) => a.position)).size).toBe(1);
  }
  // Positions are 1..300, each handed out once.
  const positions = winners.map((u) => answers.get(u)?.[0]?.position).sort((a, b) => Number(a) - Number(b));
  expect(positions).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));

  // Two drains at once, from two "containers".
  const [a, b] = [engine(), engine()];
  try {
    await Promise.all([
      a.drain({ batchSize: 25 }).tick(Date.now() + 30_000),
      b.drain({ batchSize: 25 }).tick(Date.now() + 30_000),
    ]);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
  const rows = await issuedRows(db, couponId);
  expect(rows.sort()).toEqual([...winners].sort());
  expect(await redis.zcard(couponKeys(couponId).pending)).toBe(0);
  const view = await api.call('GET', `/coupons/${couponId}`);
  expect(view.body).toMatchObject({ stock: 300, available: 0, queued: 0, issued: 300, pending: 0 });
  for (const userId of userIds) {
    const status = await api.call('GET', `/coupons/${couponId}/requests/${userId}`);
    expect(status.body.status).toBe(winners.includes(userId) ? 'ISSUED' : 'SOLD_OUT');
  }
  // Late requests leave no trace: Redis holds the winners only.
  expect(await redis.hlen(couponKeys(couponId).issued)).toBe(300);
  expect(await redis.zcard(couponKeys(couponId).queue)).toBe(0);
});

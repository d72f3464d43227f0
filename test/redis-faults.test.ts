import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LocalRedis, startRedis } from '#local/redis-server';
import admitLua from '../functions/adapters/redis/lua/admit.lua';
import { testRedis, uniqueId, wholeRedisState } from './support/helpers';
import type { startApi as StartApi } from './support/http';

// A Redis of this file's own, stopped and restarted under the running API: requests get a
// quick 503 and change nothing while it is down; the clients reconnect and reload their
// scripts (NOSCRIPT) by themselves once it is back.

let redis: LocalRedis;
const dataDir = mkdtempSync(join(tmpdir(), 'fcfs-aof-'));
let api: Awaited<ReturnType<typeof StartApi>>;
let closeClients: () => Promise<void>;

beforeAll(async () => {
  redis = await startRedis({ appendOnly: true, dir: dataDir });
  process.env.REDIS_URL = redis.url;
  process.env.REDIS_TIMEOUT_MS = '300';
  // Handler modules read the environment when they load: load them only now.
  ({ closeClients } = await import('#commons/dependencies'));
  api = await (await import('./support/http')).startApi();
});
afterAll(async () => {
  await api?.close();
  await closeClients?.();
  await redis?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function until(check: () => Promise<boolean>, tries = 100) {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('condition not met in time');
}

it('answers 503 while Redis is down, changes nothing, and recovers by itself when it is back', async () => {
  const couponId = uniqueId('outage');
  expect((await api.call('POST', '/coupons', { couponId, name: 'outage', stock: 5 })).status).toBe(201);
  expect((await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' })).status).toBe(202);
  const probe = testRedis();
  const before = await wholeRedisState(probe);
  probe.disconnect();

  const { port } = redis;
  await redis.stop();
  for (const [method, path, body] of [
    ['POST', `/coupons/${couponId}/requests`, { userId: 'ben' }],
    ['GET', `/coupons/${couponId}/requests/ann`, undefined],
    ['GET', `/coupons/${couponId}`, undefined],
  ] as const) {
    const reply = await api.call(method, path, body);
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ error: 'SERVICE_UNAVAILABLE' });
    expect(reply.body.message).toMatch(/Redis is unavailable/);
    expect(reply.headers.get('retry-after')).toBe('1');
  }
  const health = await api.call('GET', '/health');
  expect(health.status).toBe(200);

  // Same port, same data directory: the append-only file brings the data back, not the scripts.
  redis = await startRedis({ port, dir: dataDir, appendOnly: true });
  const after = testRedis();
  try {
    expect(await wholeRedisState(after)).toEqual(before);
    const admitSha = createHash('sha1').update(admitLua).digest('hex');
    expect(await after.script('EXISTS', admitSha)).toEqual([0]);
    await until(
      async () =>
        (await api.call('GET', '/health')).status === 200 &&
        (await api.call('GET', `/coupons/${couponId}/requests/ann`)).status === 200,
    );
    expect((await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ben' })).body).toEqual({
      status: 'QUEUED',
      position: 2,
    });
    expect((await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' })).body).toEqual({
      status: 'QUEUED',
      position: 1,
    });
    // The client met NOSCRIPT and sent the script in full again.
    expect(await after.script('EXISTS', admitSha)).toEqual([1]);
    // And the drain, whose scripts the restart also dropped, issues both.
    const { drain } = await import('#functions/handlers/drain');
    await drain.tick(Date.now() + 5_000);
    expect((await api.call('GET', `/coupons/${couponId}`)).body).toMatchObject({
      issued: 2,
      queued: 0,
      pending: 0,
      available: 3,
    });
  } finally {
    after.disconnect();
  }
});

it('finishes a create that Redis interrupted when the create is repeated', async () => {
  const couponId = uniqueId('half');
  const { port } = redis;
  await redis.stop();
  const interrupted = await api.call('POST', '/coupons', { couponId, name: 'half', stock: 4 });
  expect(interrupted.status).toBe(503);
  redis = await startRedis({ port, dir: dataDir, appendOnly: true });
  await until(async () => (await api.call('GET', `/coupons/${couponId}/requests/ann`)).status !== 503);
  // Saved in DynamoDB, not open in Redis: requests find no such coupon yet.
  expect((await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' })).status).toBe(404);
  const repeat = await api.call('POST', '/coupons', { couponId, name: 'half', stock: 4 });
  expect(repeat.status).toBe(409);
  expect((await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' })).status).toBe(202);
  expect((await api.call('GET', `/coupons/${couponId}`)).body).toMatchObject({
    stock: 4,
    available: 3,
    queued: 1,
  });
});

it('rebuilds a coupon after Redis lost its data: holders stay ALREADY_ISSUED, the stock left stays exact', async () => {
  const couponId = uniqueId('lost');
  expect((await api.call('POST', '/coupons', { couponId, name: 'lost', stock: 5 })).status).toBe(201);
  for (const userId of ['ann', 'ben', 'cat'])
    await api.call('POST', `/coupons/${couponId}/requests`, { userId });
  const { drain } = await import('#functions/handlers/drain');
  await until(async () => {
    await drain.tick(Date.now() + 5_000);
    const view = (await api.call('GET', `/coupons/${couponId}`)).body;
    return view.issued === 3 && view.pending === 0;
  });

  // Redis comes back empty: a restart with no persistence, or a failover that lost everything.
  const { port } = redis;
  await redis.stop();
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir);
  redis = await startRedis({ port, dir: dataDir, appendOnly: true });
  await until(async () => (await api.call('GET', `/coupons/${couponId}/requests/ann`)).status === 404);

  // Repeating the create rebuilds it from DynamoDB.
  expect((await api.call('POST', '/coupons', { couponId, name: 'lost', stock: 5 })).status).toBe(409);
  const again = await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
  expect(again).toMatchObject({ status: 409, body: { status: 'ALREADY_ISSUED' } });
  const status = await api.call('GET', `/coupons/${couponId}/requests/ben`);
  expect(status.body.status).toBe('ISSUED');
  expect(Date.parse(status.body.issuedAt)).toBeGreaterThan(Date.now() - 60_000);
  expect((await api.call('GET', `/coupons/${couponId}`)).body).toMatchObject({ issued: 3, available: 2 });
  for (const userId of ['dan', 'eve']) {
    expect((await api.call('POST', `/coupons/${couponId}/requests`, { userId })).status).toBe(202);
  }
  expect((await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'fay' })).status).toBe(410);
});

it('fails fast with a clear message when Redis cannot be reached at all', async () => {
  const { RedisCouponQueue } = await import('#adapters/redis/coupon-queue');
  const { createRedisClient } = await import('#commons/clients/redis');
  const { DependencyUnavailable } = await import('#domain/errors');
  // A port nothing listens on.
  const client = createRedisClient({
    urls: ['redis://127.0.0.1:1'],
    cluster: false,
    keyPrefix: '',
    timeoutMs: 200,
  });
  const queue = new RedisCouponQueue(client, 200);
  try {
    await expect(queue.admit('c', 'u')).rejects.toBeInstanceOf(DependencyUnavailable);
    await expect(queue.claim('c', 10)).rejects.toBeInstanceOf(DependencyUnavailable);
  } finally {
    client.disconnect();
  }
});

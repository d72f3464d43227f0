import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type LocalRedis, startRedis } from '#local/redis-server';
import admitLua from '../functions/adapters/redis/lua/admit.lua';
import preludeLua from '../functions/adapters/redis/lua/coupon.lua';
import { engine, part } from './support/engine';
import { testRedis, uniqueId, wholeRedisState } from './support/helpers';
import type { startApi as StartApi } from './support/http';
import { type FaultProxy, startProxy } from './support/proxy';

// A Redis of this file's own, stopped, restarted and cut off under the running API: requests get
// a quick, honest 503 and change nothing while it is down; the clients reconnect and reload their
// scripts (NOSCRIPT) by themselves once it is back; a connection that goes silent is replaced
// within seconds; a command whose caller was answered is never sent again.

let redis: LocalRedis;
const dataDir = mkdtempSync(join(tmpdir(), 'fcfs-aof-'));
let api: Awaited<ReturnType<typeof StartApi>>;
let closeClients: () => Promise<void>;
let drain: typeof import('#functions/handlers/drain').drain;

beforeAll(async () => {
  redis = await startRedis({ appendOnly: true, dir: dataDir });
  process.env.REDIS_URL = redis.url;
  process.env.REDIS_TIMEOUT_MS = '300';
  // Handler modules read the environment when they load: load them only now.
  ({ closeClients } = await import('#commons/dependencies'));
  ({ drain } = await import('#functions/handlers/drain'));
  await drain.reconcile(Date.now() + 10_000); // a new Redis: the drain puts the sentinels in
  api = await (await import('./support/http')).startApi();
});
afterAll(async () => {
  await api?.close();
  await closeClients?.();
  await redis?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const tick = () => drain.tick(Date.now() + 5_000);

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
    // Nothing reached Redis, so the answer can say nothing was changed.
    expect(reply.body.message).toMatch(/Redis is unavailable right now; nothing was changed/);
    expect(reply.headers.get('retry-after')).toBe('1');
  }
  const health = await api.call('GET', '/health');
  expect(health.status).toBe(200);

  // Same port, same data directory: the append-only file brings the data back, not the scripts.
  redis = await startRedis({ port, dir: dataDir, appendOnly: true });
  const after = testRedis();
  try {
    expect(await wholeRedisState(after)).toEqual(before);
    const admitSha = createHash('sha1').update(`${preludeLua}\n${admitLua}`).digest('hex');
    expect(await after.script('EXISTS', admitSha)).toEqual([0]);
    await expect
      .poll(async () => (await api.call('GET', `/coupons/${couponId}/requests/ann`)).status, {
        timeout: 15_000,
      })
      .toBe(200);
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
    await tick();
    expect((await api.call('GET', `/coupons/${couponId}`)).body).toMatchObject({
      issued: 2,
      persisted: 2,
      queued: 0,
      pending: 0,
      available: 3,
    });
  } finally {
    after.disconnect();
  }
});

it('finishes a coupon whose create died between DynamoDB and Redis at the next drain tick', async () => {
  const couponId = uniqueId('half');
  // A create whose function died (a timeout, a crash) after the catalog's put, before Redis, a
  // minute ago (longer than PENDING_TIMEOUT_MS: no create is still opening it).
  const e = engine();
  try {
    const coupon = {
      couponId,
      name: 'half',
      stock: 4,
      createdAt: new Date(Date.now() - 60_000).toISOString(),
    };
    expect(await e.catalog.create(coupon, 'died-half-way')).toBe('CREATED');
  } finally {
    await e.close();
  }
  // Saved in DynamoDB, not open in Redis: requests find no such coupon yet.
  expect((await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' })).status).toBe(404);
  const report = await tick();
  expect(part(report, couponId)).toMatchObject({ restored: 1 });
  expect((await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' })).status).toBe(202);
  expect((await api.call('GET', `/coupons/${couponId}`)).body).toMatchObject({
    stock: 4,
    available: 3,
    queued: 1,
    state: 'OPEN',
  });
});

it('answers a create while Redis is down with 503, having changed nothing', async () => {
  const couponId = uniqueId('down');
  const { port } = redis;
  await redis.stop();
  const reply = await api.call('POST', '/coupons', { couponId, name: 'down', stock: 4 });
  expect(reply).toMatchObject({ status: 503, body: { error: 'SERVICE_UNAVAILABLE' } });
  redis = await startRedis({ port, dir: dataDir, appendOnly: true });
  await expect
    .poll(async () => (await api.call('POST', '/coupons', { couponId, name: 'down', stock: 4 })).status, {
      timeout: 15_000,
    })
    .toBe(201);
});

it('fails fast with a clear message when Redis cannot be reached at all', async () => {
  const { DependencyUnavailable } = await import('#domain/errors');
  // A port nothing listens on.
  const e = engine({ urls: ['redis://127.0.0.1:1'], cluster: false, keyPrefix: '', timeoutMs: 200 });
  try {
    await expect(e.queue.admit('c', 'u')).rejects.toBeInstanceOf(DependencyUnavailable);
    await expect(e.queue.claim('c', 10)).rejects.toMatchObject({ mayHaveApplied: false });
  } finally {
    await e.close();
  }
});

/** Runs `use` with an engine whose Redis connection goes through a fault proxy, then closes both. */
async function throughProxy(
  use: (proxy: FaultProxy, e: ReturnType<typeof engine>) => Promise<void>,
): Promise<void> {
  const proxy = await startProxy({ host: '127.0.0.1', port: redis.port });
  const e = engine({ urls: [proxy.url('redis')], timeoutMs: 300 });
  try {
    await use(proxy, e);
  } finally {
    proxy.release();
    await e.close();
    await proxy.close();
  }
}

it('replaces a connection that went silent (no FIN, no RST) within seconds', async () => {
  const couponId = uniqueId('silent');
  await throughProxy(async (proxy, e) => {
    await e.create(couponId, 100);
    expect(await e.queue.admit(couponId, 'before')).toMatchObject({ status: 'QUEUED' });
    const connections = proxy.connections();
    proxy.hold(); // the open connection stops answering; new ones still work
    await expect(e.queue.admit(couponId, 'during')).rejects.toMatchObject({
      name: 'DependencyUnavailable',
      mayHaveApplied: true,
    });
    // The client drops the silent socket and connects anew, by itself.
    await expect
      .poll(async () => JSON.stringify(await e.queue.admit(couponId, 'after').catch(() => undefined)), {
        timeout: 10_000,
        interval: 200,
      })
      .toMatch(/"QUEUED"/);
    expect(proxy.connections()).toBeGreaterThan(connections);
  });
});

it('never sends a command again after its caller was answered, and says the change may have been made', async () => {
  const couponId = uniqueId('resend');
  await throughProxy(async (proxy, e) => {
    await e.create(couponId, 100);
    proxy.hold();
    const answer = e.queue.admit(couponId, 'told-503');
    await expect(answer).rejects.toMatchObject({ mayHaveApplied: true });
    await expect(answer).rejects.toThrow(/may or may not have been made/);
    // The held connection dies with the request unsent; the client reconnects on its own.
    proxy.cut();
    await expect
      .poll(async () => JSON.stringify(await e.queue.admit(couponId, 'next').catch(() => undefined)), {
        timeout: 10_000,
      })
      .toMatch(/"QUEUED"/);
    // The answered request was not sent again on the new connection.
    expect(await e.queue.status(couponId, 'told-503')).toMatchObject({ status: 'NOT_REQUESTED' });
  });
});

it('says a create was saved when Redis fails between DynamoDB and Redis, and the drain opens it', async () => {
  const couponId = uniqueId('saved');
  await throughProxy(async (proxy, e) => {
    // Redis answers the clock, then goes silent just as the coupon is opened in it.
    const queue = new Proxy(e.queue, {
      get(target, name) {
        const value = Reflect.get(target, name);
        if (name !== 'restore') return typeof value === 'function' ? value.bind(target) : value;
        return (...args: unknown[]) => {
          proxy.blackholeNew(true);
          proxy.hold();
          return value.apply(target, args);
        };
      },
    });
    const { createCoupon } = await import('#domain/coupons');
    const attempt = createCoupon(
      { catalog: e.catalog, queue },
      { couponId, name: 'saved', stock: 2 },
      'saved-1',
    );
    await expect(attempt).rejects.toMatchObject({ name: 'DependencyUnavailable', mayHaveApplied: true });
    await expect(attempt).rejects.toThrow(/is saved, but Redis could not be reached to open it/);
  });
  // Within PENDING_TIMEOUT_MS of its create, the drain takes the create to be still opening it.
  expect(part(await tick(), couponId)).toMatchObject({ restored: 0 });
  expect((await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' })).status).toBe(404);
  // Once that time is over (a drain that gives it none), the drain opens it.
  const later = engine();
  try {
    expect(part(await later.drain({ pendingTimeoutMs: 0 }).tick(Date.now() + 5_000), couponId)).toMatchObject(
      {
        restored: 1,
      },
    );
  } finally {
    await later.close();
  }
  expect((await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' })).status).toBe(202);
});

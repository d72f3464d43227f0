import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RedisCouponQueue } from '#adapters/redis/coupon-queue';
import { slotOf } from '#adapters/redis/keys';
import { ioredisScripts } from '#adapters/redis/scripts';
import { createRedisClient, whenReady } from '#commons/clients/redis';
import { type LocalRedisCluster, startRedisCluster } from '#local/redis-cluster';
import { uniqueId } from './support/helpers';
import { type FaultProxy, startProxy } from './support/proxy';

// A Redis Cluster of this file's own, every node behind a fault proxy (the client reaches the
// nodes the cluster announces through them): a connection to a node that goes silent is
// dropped and replaced within seconds, as on a single node (redis-faults.test.ts).

let cluster: LocalRedisCluster;
const proxies: FaultProxy[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
  for (const node of cluster.nodes) proxies.push(await startProxy({ host: '127.0.0.1', port: node.port }));
});
afterAll(async () => {
  for (const proxy of proxies) await proxy.close();
  await cluster?.stop();
});

/** A queue whose client reaches every node through its proxy (the cluster announces the nodes). */
function proxiedQueue() {
  const natMap = Object.fromEntries(
    cluster.nodes.map((node, i) => [
      `127.0.0.1:${node.port}`,
      { host: '127.0.0.1', port: proxies[i]?.port as number },
    ]),
  );
  const client = createRedisClient(
    { urls: [proxies[0]?.url('redis') as string], cluster: true, keyPrefix: uniqueId('cf'), timeoutMs: 300 },
    { scripts: ioredisScripts(), natMap },
  );
  return { client, queue: new RedisCouponQueue(client, 300) };
}

/** An open coupon of 100 in Redis alone. */
const open = (queue: RedisCouponQueue, couponId: string) =>
  queue.restore(couponId, {
    generation: 1,
    version: 1,
    total: 100,
    stockLeft: 100,
    opensAt: 0,
    closesAt: 0,
    loadHolders: false,
  });

it('replaces a silent connection to a cluster node within seconds, and never sends an answered command again', async () => {
  const { client, queue } = proxiedQueue();
  const couponId = uniqueId('silent');
  try {
    await open(queue, couponId);
    expect(await queue.admit(couponId, 'before')).toMatchObject({ status: 'QUEUED' });
    const connections = proxies.map((p) => p.connections());
    for (const proxy of proxies) proxy.hold(); // every node's open connection goes silent
    await expect(queue.admit(couponId, 'during')).rejects.toMatchObject({
      name: 'DependencyUnavailable',
      mayHaveApplied: true,
    });
    await expect
      .poll(async () => JSON.stringify(await queue.admit(couponId, 'after').catch(() => undefined)), {
        timeout: 15_000,
        interval: 200,
      })
      .toMatch(/"QUEUED"/);
    expect(proxies.some((p, i) => p.connections() > (connections[i] as number))).toBe(true);
    expect(await queue.status(couponId, 'during')).toMatchObject({ status: 'NOT_REQUESTED' });
  } finally {
    client.disconnect();
  }
});

it('keeps answering for the coupons of the other masters while one master is unreachable', async () => {
  const { client, queue } = proxiedQueue();
  const down = proxies[2] as FaultProxy;
  try {
    await whenReady(client, 5_000);
    // One coupon served by the master that will be lost, one by another master.
    const servedBy = (couponId: string) => (client as Cluster).slots[slotOf(couponId)]?.[0];
    const couponOn = (proxy: FaultProxy) => {
      for (let i = 0; i < 10_000; i += 1) {
        const couponId = uniqueId('node');
        if (servedBy(couponId) === `127.0.0.1:${proxy.port}`) return couponId;
      }
      throw new Error(`no slot served through port ${proxy.port}`);
    };
    const lost = couponOn(down);
    const alive = couponOn(proxies[0] as FaultProxy);
    for (const couponId of [lost, alive]) await open(queue, couponId);
    down.blackholeNew(true); // the master's address stops answering: new connections hang
    down.cut();
    await expect(queue.admit(lost, 'during')).rejects.toMatchObject({ name: 'DependencyUnavailable' });
    for (let i = 0; i < 5; i += 1) {
      expect(await queue.admit(alive, `alive-${i}`)).toMatchObject({ status: 'QUEUED' });
      await expect(queue.admit(lost, `lost-${i}`)).rejects.toMatchObject({ name: 'DependencyUnavailable' });
    }
  } finally {
    down.release();
    client.disconnect();
  }
});

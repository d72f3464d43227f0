import { afterAll, beforeAll, expect, it } from 'vitest';
import { couponKeys } from '#adapters/redis/keys';
import { testDynamoDb, testRedis, uniqueId } from './support/helpers';
import { useApi } from './support/http';
import { type Answer, checkInvariants } from './support/invariants';
import { buildLocalRuntime, type RuntimeProcess, startRuntime } from './support/processes';

// Drain processes killed with SIGKILL at random points of their ticks, many times in a row,
// while users keep arriving; then one clean run. Nothing is lost, doubled or over-issued.

const redis = testRedis();
const db = testDynamoDb();
const api = useApi();
const running: RuntimeProcess[] = [];
beforeAll(buildLocalRuntime);
afterAll(async () => {
  for (const { child } of running) if (child.exitCode === null) child.kill('SIGKILL');
  redis.disconnect();
});

// Small batches, so that a tick is many claim-write-acknowledge rounds and a kill lands inside one.
const drainEnv = { DRAIN_INTERVAL_MS: '20', DRAIN_BATCH_SIZE: '10', PENDING_TIMEOUT_MS: '400' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('survives 20 drains killed mid-tick: every admitted user ends issued, exactly once', async () => {
  const couponId = uniqueId('crash');
  const stock = 4000;
  expect((await api.call('POST', '/coupons', { couponId, name: 'crash', stock })).status).toBe(201);
  const answers: Answer[] = [];
  const admit = async (from: number, to: number) => {
    const users = Array.from({ length: to - from }, (_, i) => `user${from + i}`);
    await Promise.all(
      users.map(async (userId) => {
        const sentAt = Date.now();
        const { status } = await api.call('POST', `/coupons/${couponId}/requests`, { userId });
        answers.push({ userId, status, sentAt, receivedAt: Date.now() });
      }),
    );
  };

  let killsLeavingPending = 0;
  for (let round = 0; round < 20; round++) {
    await admit(round * 250, (round + 1) * 250); // 5000 users in all, for 4000 coupons
    const drain = await startRuntime(drainEnv);
    running.push(drain);
    await sleep(20 + Math.random() * 150);
    drain.child.kill('SIGKILL');
    await drain.exited;
    if ((await redis.zcard(couponKeys(couponId).pending)) > 0) killsLeavingPending += 1;
  }
  // The kills landed between claiming and acknowledging, more than once.
  expect(killsLeavingPending).toBeGreaterThan(2);

  const survivor = await startRuntime(drainEnv);
  running.push(survivor);
  for (let i = 0; i < 150; i++) {
    const [queued, pending] = await Promise.all([
      redis.zcard(couponKeys(couponId).queue),
      redis.zcard(couponKeys(couponId).pending),
    ]);
    if (queued === 0 && pending === 0) break;
    await sleep(100);
  }
  survivor.child.kill('SIGINT');
  expect(await survivor.exited).toBe(0);

  const report = await checkInvariants({
    redis,
    db,
    issuedTable: process.env.ISSUED_TABLE as string,
    couponId,
    stock,
    answers,
  });
  expect(report.violations).toEqual([]);
  expect(report.figures).toMatchObject({ rows: stock, issued: stock, pending: 0, queued: 0 });
});

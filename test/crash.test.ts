import { afterAll, expect, it } from 'vitest';
import { couponKeys } from '#adapters/redis/keys';
import { testDynamoDb, testRedis, uniqueId } from './support/helpers';
import { useApi } from './support/http';
import { type Answer, checkInvariants } from './support/invariants';
import { useRuntimes } from './support/runtimes';

// Drain processes killed with SIGKILL at random points of their ticks, many times in a row,
// while users keep arriving; then one clean run. Nothing is lost, doubled or over-issued.

const redis = testRedis();
const db = testDynamoDb();
const api = useApi();
const runtimes = useRuntimes();
afterAll(() => redis.disconnect());

// Small batches, so that a tick is many claim-write-acknowledge rounds and a kill lands inside one.
const drainEnv = { DRAIN_INTERVAL_MS: '20', DRAIN_BATCH_SIZE: '10', PENDING_TIMEOUT_MS: '400' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Eight kills here; `npm run soak` kills for minutes at full size.
const KILLS = 8;
const USERS_PER_ROUND = 250;

it('survives drains killed again and again while holding claims: every admitted user ends issued, exactly once', async () => {
  const couponId = uniqueId('crash');
  const stock = KILLS * USERS_PER_ROUND * 0.8;
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

  const pendingKey = couponKeys(couponId).pending;
  const pendingNow = async () => new Set(await redis.zrange(pendingKey, 0, -1));
  let killsLeavingClaims = 0;
  for (let round = 0; round < KILLS; round++) {
    await admit(round * USERS_PER_ROUND, (round + 1) * USERS_PER_ROUND); // 25% more users than coupons
    const before = await pendingNow();
    const drain = await runtimes.start(drainEnv);
    // Kill once the drain holds claims of its own (it is between claiming and acknowledging),
    // a random few milliseconds later: mid-write or just before the acknowledgement.
    for (let i = 0; i < 1_000; i++) {
      if ([...(await pendingNow())].some((user) => !before.has(user))) break;
      await sleep(2);
    }
    await sleep(Math.random() * 20);
    drain.child.kill('SIGKILL');
    await drain.exited;
    if ([...(await pendingNow())].some((user) => !before.has(user))) killsLeavingClaims += 1;
  }
  // Most kills left claims of their own behind, for the next drains to recover.
  expect(killsLeavingClaims).toBeGreaterThan(KILLS / 4);

  const survivor = await runtimes.start(drainEnv);
  await expect
    .poll(
      () => Promise.all([redis.zcard(couponKeys(couponId).queue), redis.zcard(couponKeys(couponId).pending)]),
      { timeout: 20_000, interval: 100 },
    )
    .toEqual([0, 0]);
  survivor.child.kill('SIGINT');
  expect(await survivor.exited).toBe(0);

  const report = await checkInvariants({
    redis,
    db,
    couponId,
    stock,
    answers,
  });
  expect(report.violations).toEqual([]);
  expect(report.figures).toMatchObject({ rows: stock, issued: stock, pending: 0, queued: 0 });
});

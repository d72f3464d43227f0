import { afterAll, expect, it } from 'vitest';
import { testDynamoDb, testRedis, uniqueId } from './support/helpers';
import { type Answer, checkInvariants } from './support/invariants';
import { getJson, postJson, type RuntimeProcess } from './support/processes';
import { useRuntimes } from './support/runtimes';

// Load on several local-runtime processes sharing one Redis and one DynamoDB, each running its
// own drain: thousands of concurrent requests, repeats, and requests from users already issued.

const processes: RuntimeProcess[] = [];
const redis = testRedis();
const db = testDynamoDb();
const runtimes = useRuntimes();
afterAll(() => redis.disconnect());

it('keeps every promise under load from many connections on three processes with three drains', async () => {
  for (let i = 0; i < 3; i++)
    processes.push(await runtimes.start({ DRAIN_INTERVAL_MS: '200', DRAIN_BATCH_SIZE: '10' }));
  const couponId = uniqueId('load');
  const stock = 600;
  expect((await postJson(`${processes[0]?.url}/coupons`, { couponId, name: 'load', stock })).status).toBe(
    201,
  );

  const users = Array.from({ length: 1500 }, (_, i) => `user${i}`);
  // Every user asks twice in the first wave; a second wave, after the drains had time, asks again.
  const wave = (list: string[]) => list.flatMap((u) => [u, u]).sort(() => Math.random() - 0.5);
  const answers: Answer[] = [];
  const send = async (requests: string[]) => {
    let next = 0;
    const connection = async (n: number) => {
      while (next < requests.length) {
        const userId = requests[next++] as string;
        const url = processes[(n + next) % processes.length]?.url;
        const sentAt = Date.now();
        const { status } = await postJson(`${url}/coupons/${couponId}/requests`, { userId });
        answers.push({ userId, status, sentAt, receivedAt: Date.now() });
      }
    };
    await Promise.all(Array.from({ length: 96 }, (_, n) => connection(n)));
  };
  await send(wave(users));
  await new Promise((resolve) => setTimeout(resolve, 300));
  await send(users.slice(0, 800).sort(() => Math.random() - 0.5));

  await expect
    .poll(() => getJson<{ queued: number; pending: number }>(`${processes[1]?.url}/coupons/${couponId}`), {
      timeout: 20_000,
      interval: 100,
    })
    .toMatchObject({ queued: 0, pending: 0 });
  const report = await checkInvariants({
    redis,
    db,
    couponId,
    stock,
    answers,
  });
  expect(report.violations).toEqual([]);
  expect(report.figures).toMatchObject({ issued: stock, rows: stock, queued: 0, pending: 0, stockLeft: 0 });
  // The second wave met users already issued.
  expect(report.figures.alreadyIssuedAnswers).toBeGreaterThan(0);
  expect(
    report.figures.queuedAnswers + report.figures.soldOutAnswers + report.figures.alreadyIssuedAnswers,
  ).toBe(answers.length);
});

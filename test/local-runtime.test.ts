import { expect, it } from 'vitest';
import { issuedRows, testDynamoDb, uniqueId } from './support/helpers';
import { getJson, postJson, type RuntimeProcess } from './support/processes';
import { useRuntimes } from './support/runtimes';

// `npm start` as a user runs it, twice, on one Redis and one DynamoDB: both processes admit,
// both drain, and together they issue the stock exactly once; Ctrl-C stops each cleanly.

const processes: RuntimeProcess[] = [];
const db = testDynamoDb();

const runtimes = useRuntimes();

it('two processes on one Redis and one DynamoDB issue the stock exactly once, and stop on SIGINT', async () => {
  processes.push(
    await runtimes.start({ DRAIN_INTERVAL_MS: '100' }),
    await runtimes.start({ DRAIN_INTERVAL_MS: '100' }),
  );
  const [a, b] = processes as [RuntimeProcess, RuntimeProcess];
  expect(a.url).not.toBe(b.url);

  const couponId = uniqueId('local');
  expect((await postJson(`${a.url}/coupons`, { couponId, name: 'Local', stock: 150 })).status).toBe(201);
  const users = Array.from({ length: 200 }, (_, i) => `user${i}`);
  const answers = await Promise.all(
    users.map((userId, i) => postJson(`${(i % 2 ? a : b).url}/coupons/${couponId}/requests`, { userId })),
  );
  expect(answers.filter((r) => r.status === 202)).toHaveLength(150);
  expect(answers.filter((r) => r.status === 410)).toHaveLength(50);

  // Both drains run every 100 ms; wait (bounded) for the winners to be confirmed.
  await expect
    .poll(() => getJson(`${b.url}/coupons/${couponId}`), { timeout: 10_000, interval: 100 })
    .toMatchObject({ issued: 150, queued: 0, pending: 0 });
  const winners = users.filter((_, i) => answers[i]?.status === 202).sort();
  expect((await issuedRows(db, couponId)).sort()).toEqual(winners);
  const held = await getJson<{ items: unknown[] }>(`${a.url}/users/${winners[0]}/coupons`);
  expect(held.items).toEqual([expect.objectContaining({ couponId, used: false })]);

  for (const { child, output, exited } of processes) {
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output()).toContain('stopped.');
  }
});

import { expect, it } from 'vitest';
import { freePort } from '#local/ports';
import { uniqueId } from './support/helpers';
import { postJson, type RuntimeProcess } from './support/processes';
import { useRuntimes } from './support/runtimes';
import { tcpProxy } from './support/tcp-proxy';

// Shared mode: a second process on the first one's Redis and DynamoDB. When they go away it
// answers 503, with one short line per outage (not a log entry per request), and it serves
// again by itself once they are back.

const runtimes = useRuntimes();

const linesOf = (runtime: RuntimeProcess, pattern: RegExp) =>
  runtime
    .output()
    .split('\n')
    .filter((line) => pattern.test(line));

/** Requests on Redis while it is away: each a quick 503, in the error format. */
async function expectUnavailable(url: string, couponId: string) {
  const replies = await Promise.all(
    Array.from({ length: 10 }, async (_, i) => [
      await postJson(`${url}/coupons/${couponId}/requests`, { userId: `late${i}` }),
      await fetch(`${url}/coupons/${couponId}`).then(async (r) => ({
        status: r.status,
        body: await r.json(),
      })),
      await fetch(`${url}/coupons/${couponId}/requests/late${i}`).then(async (r) => ({
        status: r.status,
        body: await r.json(),
      })),
    ]),
  );
  for (const reply of replies.flat()) {
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ error: 'SERVICE_UNAVAILABLE' });
  }
}

/** Creates a coupon once the stores answer again (a new id each try: a half-done try leaves one). */
const serves = async (url: string) =>
  (await postJson(`${url}/coupons`, { couponId: uniqueId('back'), name: 'back', stock: 1 })).status;

it("answers 503 with one line per outage while the first process's Redis is away, and serves again once it is back", async () => {
  const redisPort = await freePort();
  const ownerEnv = { REDIS_URL: undefined, REDIS_PORT: String(redisPort) };
  let owner = await runtimes.start(ownerEnv);
  const shared = await runtimes.start({
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    DRAIN_INTERVAL_MS: '100',
  });
  const couponId = uniqueId('shared');
  expect((await postJson(`${shared.url}/coupons`, { couponId, name: 'shared', stock: 5 })).status).toBe(201);

  for (const outage of [1, 2]) {
    await owner.stop();
    await expectUnavailable(shared.url, couponId);
    await expect.poll(() => linesOf(shared, /^requests: 503 /).length).toBe(outage);
    await expect.poll(() => linesOf(shared, /^drain: tick failed/).length).toBe(outage);

    owner = await runtimes.start(ownerEnv); // same port, empty state
    await expect.poll(() => serves(shared.url), { timeout: 10_000 }).toBe(201);
    await expect.poll(() => linesOf(shared, /^requests: recovered after \d+ failure/).length).toBe(outage);
    await expect.poll(() => linesOf(shared, /^drain: recovered/).length).toBe(outage);
  }
  // Two outages, each told in a line when it began and one when it ended; no log entry per request.
  expect(linesOf(shared, /^requests: 503 /)).toHaveLength(2);
  expect(linesOf(shared, /^\s*[{"]/)).toEqual([]);
  await shared.stop();
  await owner.stop();
});

it('answers 503 with one line while DynamoDB is away, and serves again once it is back', async () => {
  const target = new URL(process.env.DYNAMODB_ENDPOINT as string);
  const proxy = await tcpProxy({ host: target.hostname, port: Number(target.port) });
  try {
    const shared = await runtimes.start({ DYNAMODB_ENDPOINT: `http://127.0.0.1:${proxy.port}` });
    expect(await serves(shared.url)).toBe(201);
    await proxy.cut();
    for (let i = 0; i < 10; i++) {
      const reply = await fetch(`${shared.url}/users/u${i}/coupons`);
      expect(reply.status).toBe(503);
      expect(await reply.json()).toMatchObject({
        error: 'SERVICE_UNAVAILABLE',
        message: expect.stringMatching(/DynamoDB/),
      });
    }
    // The line is written after the answer is sent: wait for it to come through the pipe.
    const failure = /^requests: 503 GET \/users\/\{userId\}\/coupons: DynamoDB is unavailable/;
    await expect.poll(() => linesOf(shared, failure).length).toBe(1);

    await proxy.restore();
    await expect.poll(async () => (await fetch(`${shared.url}/users/u0/coupons`)).status).toBe(200);
    await expect.poll(() => linesOf(shared, /^requests: recovered after 10 failure/).length).toBe(1);
    expect(linesOf(shared, /^requests: 503 /)).toHaveLength(1);
    await shared.stop();
  } finally {
    proxy.close();
  }
});

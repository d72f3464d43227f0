import { afterAll, expect, it } from 'vitest';
import { badRequests } from './support/bad-input';
import { testDynamoDb, testRedis, uniqueId, wholeRedisState, wholeTable } from './support/helpers';
import { useApi } from './support/http';

// More than a thousand malformed requests: each gets a 4xx with a code and a message a person
// can act on (501 for a method no HTTP server knows, as RFC 9110 says), no other 5xx, and
// neither Redis nor DynamoDB changes.

const api = useApi();
const redis = testRedis();
const db = testDynamoDb();
afterAll(async () => {
  redis.disconnect();
});

async function state() {
  return {
    redis: await wholeRedisState(redis),
    coupons: await wholeTable(db, process.env.COUPONS_TABLE as string),
    issued: await wholeTable(db, process.env.ISSUED_TABLE as string),
  };
}

it('answers every malformed request with a clear 4xx and changes nothing', async () => {
  const couponId = uniqueId('target');
  expect((await api.call('POST', '/coupons', { couponId, name: 'target', stock: 3 })).status).toBe(201);
  await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
  const before = await state();

  const corpus = badRequests(couponId);
  expect(corpus.length).toBeGreaterThanOrEqual(1000);
  const wrong: string[] = [];
  let next = 0;
  const client = async () => {
    while (next < corpus.length) {
      const bad = corpus[next++];
      if (!bad) break;
      const reply = await api.call(bad.method, bad.path, undefined, bad.body, bad.headers);
      const clear =
        typeof reply.body?.error === 'string' &&
        /^[A-Z_]+$/.test(reply.body.error) &&
        typeof reply.body?.message === 'string' &&
        reply.body.message.length > 10;
      const right = bad.status ? reply.status === bad.status : reply.status >= 400 && reply.status < 500;
      if (!right || !clear) {
        wrong.push(`${bad.label}: ${reply.status} ${JSON.stringify(reply.body)?.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: 16 }, client));

  expect(wrong).toEqual([]);
  expect(await state()).toEqual(before);
});

it('names the field and the rule in its message', async () => {
  const cases: [unknown, RegExp][] = [
    [{ couponId: 'ok', name: 'n', stock: 1.5 }, /stock: must be a whole number/],
    [{ couponId: 'ok', name: 'n', stock: -3 }, /stock: must be at least 1/],
    [{ couponId: 'ok', name: 'n', stock: 10_000_001 }, /stock: must be at most 10000000/],
    [{ couponId: 'ok', name: 'n', stock: '5' }, /stock: must be a number/],
    [{ couponId: 'ok', name: ' n', stock: 1 }, /name: must not start or end with whitespace/],
    [{ couponId: 'ok', name: 'n'.repeat(201), stock: 1 }, /name: must be at most 200 characters/],
    [{ couponId: 'ok', stock: 1 }, /name: must be a string/],
    [{ couponId: 'ok', name: 'n', stock: 1, extra: 1 }, /unknown field\(s\): extra/],
    [[1, 2], /body must be a JSON object/],
  ];
  for (const [body, message] of cases) {
    const reply = await api.call('POST', '/coupons', body);
    expect(reply.status).toBe(400);
    expect(reply.body.message).toMatch(message);
  }
  const invalidJson = await api.call('POST', '/coupons', undefined, '{"couponId":');
  expect(invalidJson.body.message).toMatch(/body is not valid JSON/);
  const tooLarge = await api.call(
    'POST',
    '/coupons',
    undefined,
    JSON.stringify({ name: 'n'.repeat(20_000) }),
  );
  expect(tooLarge.status).toBe(413);
  expect(tooLarge.body).toMatchObject({ error: 'PAYLOAD_TOO_LARGE' });
});

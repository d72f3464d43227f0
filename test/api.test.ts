import { connect } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { drain } from '#functions/handlers/drain';
import { lambdaContext } from '#local/api';
import { apiGatewayEvent } from './support/api-gateway';
import { issuedRows, keysMatching, testDynamoDb, testRedis, uniqueId } from './support/helpers';
import { useApi } from './support/http';

// Every outcome of the HTTP API, through the local runtime's API Gateway adapter, the real
// handler modules, a real redis-server and real DynamoDB Local.

const api = useApi();
const redis = testRedis();
const db = testDynamoDb();

afterAll(async () => {
  redis.disconnect();
});

const drainAll = () => drain.tick(Date.now() + 10_000);

async function newCoupon(stock: number, name = 'Flash sale') {
  const couponId = uniqueId('c');
  const reply = await api.call('POST', '/coupons', { couponId, name, stock });
  expect(reply.status).toBe(201);
  return couponId;
}

describe('POST /coupons', () => {
  it('creates a coupon: 201 with the coupon and its location', async () => {
    const couponId = uniqueId('c');
    const reply = await api.call('POST', '/coupons', { couponId, name: 'Welcome 10%', stock: 5 });
    expect(reply.status).toBe(201);
    // The definition only: nothing of the ledger or the catalog's bookkeeping.
    expect(reply.body).toEqual({ couponId, name: 'Welcome 10%', stock: 5, createdAt: expect.any(String) });
    expect(Date.parse(reply.body.createdAt)).not.toBeNaN();
    expect(reply.headers.get('location')).toBe(`/coupons/${couponId}`);
    const view = await api.call('GET', `/coupons/${couponId}`);
    expect(view.body).toMatchObject({ stock: 5, available: 5, queued: 0, issued: 0, pending: 0 });
  });

  it('answers 409 for an existing id and keeps the first definition', async () => {
    const couponId = await newCoupon(2, 'First');
    const reply = await api.call('POST', '/coupons', { couponId, name: 'Second', stock: 9 });
    expect(reply.status).toBe(409);
    expect(reply.body).toMatchObject({ error: 'COUPON_EXISTS' });
    expect(reply.body.message).toContain(couponId);
    const view = await api.call('GET', `/coupons/${couponId}`);
    expect(view.body).toMatchObject({ name: 'First', stock: 2, available: 2 });
  });

  it('answers 400 with a message naming each bad field', async () => {
    const reply = await api.call('POST', '/coupons', { couponId: 'a b', name: '', stock: -1 });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toBe('INVALID_REQUEST');
    expect(reply.body.message).toMatch(/couponId: must be 1 to 64 characters/);
    expect(reply.body.message).toMatch(/name: must not be empty/);
    expect(reply.body.message).toMatch(/stock: must be at least 1/);
  });
});

describe('GET /coupons/{couponId}', () => {
  it('answers 404 for an unknown coupon', async () => {
    const reply = await api.call('GET', `/coupons/${uniqueId('none')}`);
    expect(reply.status).toBe(404);
    expect(reply.body.error).toBe('COUPON_NOT_FOUND');
  });

  it('counts queued, issued and available as requests come and the drain runs', async () => {
    const couponId = await newCoupon(3);
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'u1' });
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'u2' });
    expect((await api.call('GET', `/coupons/${couponId}`)).body).toMatchObject({
      stock: 3,
      available: 1,
      queued: 2,
      issued: 0,
      pending: 0,
    });
    await drainAll();
    expect((await api.call('GET', `/coupons/${couponId}`)).body).toMatchObject({
      stock: 3,
      available: 1,
      queued: 0,
      issued: 2,
      pending: 0,
    });
  });
});

describe('POST /coupons/{couponId}/requests', () => {
  it('queues users in arrival order, 202 with a 1-based position', async () => {
    const couponId = await newCoupon(3);
    const positions = [];
    for (const userId of ['ann', 'ben', 'cat']) {
      const reply = await api.call('POST', `/coupons/${couponId}/requests`, { userId });
      expect(reply.status).toBe(202);
      positions.push(reply.body);
    }
    expect(positions).toEqual([
      { status: 'QUEUED', position: 1 },
      { status: 'QUEUED', position: 2 },
      { status: 'QUEUED', position: 3 },
    ]);
  });

  it('gives a repeated request the same position and never moves anyone', async () => {
    const couponId = await newCoupon(5);
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ben' });
    const again = await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    expect(again).toMatchObject({ status: 202, body: { status: 'QUEUED', position: 1 } });
    const ben = await api.call('GET', `/coupons/${couponId}/requests/ben`);
    expect(ben.body).toMatchObject({ status: 'QUEUED', position: 2, state: 'OPEN' });
    expect((await api.call('GET', `/coupons/${couponId}`)).body.queued).toBe(2);
  });

  it('answers 410 SOLD_OUT once the queue holds the whole stock, and writes nothing', async () => {
    const couponId = await newCoupon(2);
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ben' });
    const late = await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'cat' });
    expect(late.status).toBe(410);
    expect(late.body).toMatchObject({ status: 'SOLD_OUT', error: 'SOLD_OUT' });
    expect(late.body.message).toBeTruthy();
    expect((await api.call('GET', `/coupons/${couponId}`)).body).toMatchObject({ queued: 2, available: 0 });
    expect(await redis.zscore(`coupon:queue:{${couponId}}`, 'cat')).toBeNull();
  });

  it('answers 409 ALREADY_ISSUED to a user who holds the coupon', async () => {
    const couponId = await newCoupon(2);
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    await drainAll();
    const again = await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ status: 'ALREADY_ISSUED', error: 'ALREADY_ISSUED' });
  });

  it('answers 404 for an unknown coupon and leaves no trace in Redis', async () => {
    const couponId = uniqueId('none');
    const reply = await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    expect(reply.status).toBe(404);
    expect(reply.body.error).toBe('COUPON_NOT_FOUND');
    expect(await keysMatching(redis, `*{${couponId}}*`)).toEqual([]);
  });

  it('answers 400 for a bad user id', async () => {
    const couponId = await newCoupon(1);
    const reply = await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'x'.repeat(65) });
    expect(reply.status).toBe(400);
    expect(reply.body.message).toMatch(/userId: must be 1 to 64 characters/);
  });
});

describe('GET /coupons/{couponId}/requests/{userId}', () => {
  it('tells NOT_REQUESTED, QUEUED with position, ISSUED with time, and SOLD_OUT', async () => {
    const couponId = await newCoupon(1);
    const status = (userId: string) => api.call('GET', `/coupons/${couponId}/requests/${userId}`);
    expect((await status('ann')).body).toMatchObject({ status: 'NOT_REQUESTED', state: 'OPEN' });
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    expect((await status('ann')).body).toMatchObject({ status: 'QUEUED', position: 1, state: 'SOLD_OUT' });
    expect((await status('ben')).body).toMatchObject({ status: 'SOLD_OUT', state: 'SOLD_OUT' });
    expect(Date.parse((await status('ben')).body.now)).not.toBeNaN();
    await drainAll();
    const issued = await status('ann');
    expect(issued.status).toBe(200);
    expect(issued.body.status).toBe('ISSUED');
    expect(Date.parse(issued.body.issuedAt)).not.toBeNaN();
  });

  it('answers 404 for an unknown coupon', async () => {
    const reply = await api.call('GET', `/coupons/${uniqueId('none')}/requests/ann`);
    expect(reply.status).toBe(404);
  });
});

describe('GET /users/{userId}/coupons', () => {
  it('lists the coupons a user holds, as stored in DynamoDB', async () => {
    const userId = uniqueId('u');
    const first = await newCoupon(1);
    const second = await newCoupon(1);
    await api.call('POST', `/coupons/${first}/requests`, { userId });
    await api.call('POST', `/coupons/${second}/requests`, { userId });
    expect((await api.call('GET', `/users/${userId}/coupons`)).body).toEqual({ items: [] });
    await drainAll();
    const reply = await api.call('GET', `/users/${userId}/coupons`);
    expect(reply.status).toBe(200);
    expect(reply.body.items.map((item: { couponId: string }) => item.couponId).sort()).toEqual(
      [first, second].sort(),
    );
    for (const item of reply.body.items) {
      expect(item).toMatchObject({ userId, used: false });
      expect(Date.parse(item.issuedAt)).not.toBeNaN();
    }
    expect(await issuedRows(db, first)).toEqual([userId]);
  });
});

describe('the rest of the surface', () => {
  it('GET /health answers 200', async () => {
    expect(await api.call('GET', '/health')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('answers an unknown path as API Gateway does: 404 {"message":"Not Found"}', async () => {
    for (const path of ['/nope', '//coupons/x', '/coupons/x/', '/coupons/a/b/c', '/health/x', '/']) {
      const reply = await api.call('GET', path);
      expect(reply.status, path).toBe(404);
      expect(reply.body, path).toEqual({ message: 'Not Found' });
      expect(reply.headers.get('content-type'), path).toBe('application/json');
    }
  });
});

describe('HTTP (RFC 9110)', () => {
  it('answers another method on a known path with 405, the methods of the path in Allow, and a JSON error', async () => {
    const couponId = await newCoupon(1);
    const cases = [
      ['POST', '/health', 'GET, HEAD, OPTIONS'],
      ['DELETE', '/users/ann/coupons', 'GET, HEAD, OPTIONS'],
      ['PUT', `/coupons/${couponId}/requests/ann`, 'GET, HEAD, OPTIONS'],
      ['DELETE', `/coupons/${couponId}/requests`, 'OPTIONS, POST'],
      ['PROPFIND', `/coupons/${couponId}`, undefined],
    ] as const;
    for (const [method, path, allow] of cases) {
      const reply = await api.call(method, path, { userId: 'ann' });
      expect(reply.status, `${method} ${path}`).toBe(405);
      expect(reply.body.error).toBe('METHOD_NOT_ALLOWED');
      expect(reply.body.message).toContain(`${method} is not allowed on ${path}`);
      expect(reply.headers.get('content-type')).toBe('application/json');
      if (allow) expect(reply.headers.get('allow')).toBe(allow);
    }
    const allow = (await api.call('DELETE', `/coupons/${couponId}`)).headers.get('allow')?.split(', ');
    expect(allow).toEqual(expect.arrayContaining(['GET', 'HEAD', 'OPTIONS']));
    expect(allow).not.toContain('DELETE');
    // Nothing was admitted by the POST-shaped bodies sent with the wrong methods.
    expect((await api.call('GET', `/coupons/${couponId}`)).body.queued).toBe(0);
  });

  it('answers OPTIONS with 204 and Allow, without a body', async () => {
    const reply = await api.call('OPTIONS', '/coupons/any/requests');
    expect(reply.status).toBe(204);
    expect(reply.headers.get('allow')).toBe('OPTIONS, POST');
    expect(reply.text).toBe('');
  });

  it('answers HEAD on every GET route as GET does, without the body', async () => {
    const couponId = await newCoupon(1);
    await api.call('POST', `/coupons/${couponId}/requests`, { userId: 'ann' });
    const paths = [
      '/health',
      `/coupons/${couponId}`,
      `/coupons/${uniqueId('none')}`,
      `/coupons/${couponId}/requests/ann`,
      '/users/ann/coupons',
      '/users/not%20valid/coupons',
    ];
    for (const path of paths) {
      const [get, head] = [await api.call('GET', path), await api.call('HEAD', path)];
      expect(get.text.length, path).toBeGreaterThan(0);
      expect({ status: head.status, type: head.headers.get('content-type'), text: head.text }, path).toEqual({
        status: get.status,
        type: 'application/json',
        text: '',
      });
    }
  });

  it('answers a method the HTTP parser does not know with a JSON 501', async () => {
    const reply = await api.call('BREW', '/health');
    expect(reply.status).toBe(501);
    expect(reply.body).toMatchObject({ error: 'NOT_IMPLEMENTED' });
    expect(reply.headers.get('content-type')).toBe('application/json');
  });

  it('answers a request the HTTP parser cannot read with a JSON 400, and closes the connection', async () => {
    const { hostname, port } = new URL(api.url());
    const answer = await new Promise<string>((resolve, reject) => {
      let received = '';
      const socket = connect(Number(port), hostname, () =>
        socket.write('GET /health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n'),
      );
      socket.on('data', (chunk) => (received += chunk));
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
    const [head = '', body] = answer.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head.toLowerCase()).toContain('content-type: application/json');
    expect(JSON.parse(body ?? '')).toMatchObject({ error: 'BAD_REQUEST', message: expect.any(String) });
  });

  it('refuses a body not sent as JSON with 415 and creates nothing', async () => {
    const couponId = uniqueId('c');
    const body = JSON.stringify({ couponId, name: 'n', stock: 1 });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/json; charset=iso-8859-1',
      'application/jsonx',
      '',
    ]) {
      const reply = await api.call('POST', '/coupons', undefined, body, { 'content-type': type });
      expect(reply.status, type).toBe(415);
      expect(reply.body, type).toMatchObject({ error: 'UNSUPPORTED_MEDIA_TYPE' });
      expect(reply.body.message).toMatch(/content-type: application\/json/);
    }
    expect((await api.call('GET', `/coupons/${couponId}`)).status).toBe(404);
    const accepted = await api.call('POST', '/coupons', undefined, body, {
      'content-type': 'Application/JSON; charset="UTF-8"',
    });
    expect(accepted.status).toBe(201);
  });

  it('refuses a body that is not valid UTF-8 with 400, and U+FFFD, the mark of bytes that were not', async () => {
    const couponId = uniqueId('c');
    const json = (name: string) => `{"couponId":"${couponId}","name":"${name}","stock":1}`;
    const bytes = Buffer.concat([Buffer.from(json('a')).subarray(0, 30), Buffer.from([0xff, 0xfe])]);
    const invalid = Buffer.from(json('caf\u0000').replace('\u0000', '\xff'), 'latin1');
    for (const raw of [invalid, bytes, json('caf\ufffd')]) {
      const reply = await api.call('POST', '/coupons', undefined, raw);
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({
        error: 'INVALID_REQUEST',
        message: 'The request body is not valid UTF-8.',
      });
    }
    expect((await api.call('GET', `/coupons/${couponId}`)).status).toBe(404);
    const accented = await api.call('POST', '/coupons', undefined, json('café 😀'));
    expect(accented).toMatchObject({ status: 201, body: { name: 'café 😀' } });
  });

  it('answers stock 1e400 (Infinity once parsed) as out of range', async () => {
    const create = (stock: string) =>
      api.call('POST', '/coupons', undefined, `{"couponId":"${uniqueId('c')}","name":"n","stock":${stock}}`);
    expect((await create('1e400')).body.message).toMatch(/stock: must be at most 10000000/);
    expect((await create('-1e400')).body.message).toMatch(/stock: must be at least 1/);
  });

  it('keeps a name exactly as sent: whitespace at either end is refused, not trimmed', async () => {
    for (const name of [' Sale', 'Sale ', '\tSale', 'Sale\n', '\u00a0Sale', ' ']) {
      const reply = await api.call('POST', '/coupons', { couponId: uniqueId('c'), name, stock: 1 });
      expect(reply.status, JSON.stringify(name)).toBe(400);
      expect(reply.body.message).toMatch(/name: must not start or end with whitespace/);
    }
    const reply = await api.call('POST', '/coupons', {
      couponId: uniqueId('c'),
      name: 'Black  Friday',
      stock: 1,
    });
    expect(reply.body.name).toBe('Black  Friday');
  });

  it('takes bodies up to 16 KiB and refuses larger ones with 413 and one message, however large', async () => {
    const body = (size: number) => {
      const json = JSON.stringify({ couponId: uniqueId('c'), name: 'n', stock: 1 });
      return json + ' '.repeat(size - json.length); // trailing whitespace is valid JSON
    };
    expect((await api.call('POST', '/coupons', undefined, body(16 * 1024))).status).toBe(201);
    const message = {
      error: 'PAYLOAD_TOO_LARGE',
      message: 'The request body must be at most 16 KiB (16384 bytes).',
    };
    for (const size of [16 * 1024 + 1, 1024 * 1024, 11 * 1024 * 1024]) {
      const reply = await api.call('POST', '/coupons', undefined, body(size));
      expect(reply.status, String(size)).toBe(413);
      expect(reply.body).toEqual(message);
    }
  });
});

describe('handlers as API Gateway calls them', () => {
  const event = (method: string, routeKey: string, extra: Partial<APIGatewayProxyEventV2> = {}) =>
    apiGatewayEvent(routeKey, {
      requestContext: { http: { method } } as APIGatewayProxyEventV2['requestContext'],
      ...extra,
    });

  it('answer HEAD without the body themselves (the HEAD routes of the stack call the GET handlers)', async () => {
    const { handler } = await import('#functions/handlers/health');
    const get = await handler(event('GET', 'GET /health'), lambdaContext('test'));
    const head = await handler(event('HEAD', 'HEAD /health'), lambdaContext('test'));
    expect(get.body).toBe('{"status":"ok"}');
    expect(head).toMatchObject({ statusCode: 200, body: '' });
  });

  it('take a base64 body as API Gateway may send it, and refuse one that is not UTF-8', async () => {
    const { handler } = await import('#functions/handlers/create-coupon');
    const body = (bytes: Buffer) => ({ body: bytes.toString('base64'), isBase64Encoded: true });
    const couponId = uniqueId('b64');
    const valid = Buffer.from(JSON.stringify({ couponId, name: 'Été', stock: 1 }));
    const created = await handler(event('POST', 'POST /coupons', body(valid)), lambdaContext('test'));
    expect(created.statusCode).toBe(201);
    expect(JSON.parse(created.body ?? '')).toMatchObject({ couponId, name: 'Été' });
    const invalid = Buffer.concat([valid.subarray(0, 20), Buffer.from([0xc3])]);
    const refused = await handler(event('POST', 'POST /coupons', body(invalid)), lambdaContext('test'));
    expect(refused.statusCode).toBe(400);
  });
});

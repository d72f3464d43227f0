import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS, CORS_MAX_AGE_SECONDS } from '#commons/cors';
import { uniqueId } from './support/helpers';
import { startApi, useApi } from './support/http';

// What the local runtime answers where API Gateway itself would: CORS preflights and headers
// (CORS_ALLOWED_ORIGINS), and, with USER_AUTH=jwt, the JWT authorizer's 401 and the claims of a
// bearer token, which it passes on unverified.

const shop = 'https://shop.example.com';
const api = useApi({ corsOrigins: [shop], unverifiedJwt: true });

afterEach(() => {
  delete process.env.USER_AUTH;
});

/** An unsigned JWT: the local runtime reads its claims without verifying it. */
function token(claims: Record<string, unknown>): string {
  const [header, payload] = [{ alg: 'none', typ: 'JWT' }, claims].map((part) =>
    Buffer.from(JSON.stringify(part)).toString('base64url'),
  );
  return `${header}.${payload}.c2lnbmF0dXJl`;
}

async function newCoupon() {
  const couponId = uniqueId('cors');
  expect((await api.call('POST', '/coupons', { couponId, name: 'CORS', stock: 5 })).status).toBe(201);
  return couponId;
}

describe('CORS, as API Gateway answers it for the stack', () => {
  it('answers a preflight from an allowed origin itself: 204 with the policy of functions/commons/cors.ts', async () => {
    const reply = await api.call('OPTIONS', '/coupons/x/requests', undefined, undefined, {
      origin: shop,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,authorization',
    });
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
    expect(Object.fromEntries(reply.headers)).toMatchObject({
      'access-control-allow-origin': shop,
      'access-control-allow-credentials': 'true',
      'access-control-allow-headers': CORS_ALLOW_HEADERS.join(','),
      'access-control-max-age': String(CORS_MAX_AGE_SECONDS),
    });
    expect(reply.headers.get('access-control-allow-methods')?.split(',')).toEqual(
      expect.arrayContaining(['GET', 'HEAD', 'POST', 'OPTIONS']),
    );
    expect(reply.headers.get('allow')).toBeNull(); // not the handler's answer
  });

  it('gives a preflight from another origin no CORS headers', async () => {
    const reply = await api.call('OPTIONS', '/coupons/x/requests', undefined, undefined, {
      origin: 'https://evil.example.com',
      'access-control-request-method': 'POST',
    });
    expect(reply.status).toBe(204);
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('adds the CORS headers to the answers for an allowed origin only', async () => {
    const couponId = await newCoupon();
    const path = `/coupons/${couponId}/requests`;
    const allowed = await api.call('POST', path, { userId: 'ann' }, undefined, {
      origin: shop,
      authorization: `Bearer ${token({ sub: 'ann' })}`,
    });
    expect(allowed.status).toBe(202);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(shop);
    expect(allowed.headers.get('access-control-expose-headers')).toBe(CORS_EXPOSE_HEADERS.join(','));
    const other = await api.call('GET', '/health', undefined, undefined, {
      origin: 'https://evil.example.com',
    });
    expect(other.status).toBe(200);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('leaves an OPTIONS that is not a preflight to the API: 204 with Allow', async () => {
    const reply = await api.call('OPTIONS', '/health', undefined, undefined, { origin: shop });
    expect(reply.status).toBe(204);
    expect(reply.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
  });

  it('answers no preflight where no origin is configured: OPTIONS reaches the API', async () => {
    const plain = await startApi();
    try {
      const reply = await plain.call('OPTIONS', '/health', undefined, undefined, {
        origin: shop,
        'access-control-request-method': 'GET',
      });
      expect(reply.status).toBe(204);
      expect(reply.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
      expect(reply.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await plain.close();
    }
  });
});

describe('USER_AUTH=jwt on the local runtime', () => {
  it("takes the user from a bearer token's sub, unverified, and answers 401 as the authorizer would without one", async () => {
    process.env.USER_AUTH = 'jwt';
    const couponId = await newCoupon();
    const path = `/coupons/${couponId}/requests`;
    const as = (sub: string) => ({ authorization: `Bearer ${token({ sub })}` });

    const missing: Record<string, string>[] = [
      {},
      { authorization: 'Bearer not-a-jwt' },
      { authorization: 'Basic YTpi' },
    ];
    for (const headers of missing) {
      const reply = await api.call('POST', path, {}, undefined, headers);
      expect(reply.status, JSON.stringify(headers)).toBe(401);
      expect(reply.body).toEqual({ message: 'Unauthorized' });
    }
    expect(await api.call('POST', path, {}, undefined, as('ann'))).toMatchObject({
      status: 202,
      body: { status: 'QUEUED', position: 1 },
    });
    expect((await api.call('GET', `${path}/ann`, undefined, undefined, as('ann'))).body).toMatchObject({
      status: 'QUEUED',
      position: 1,
    });
    const other = await api.call('GET', `${path}/ann`, undefined, undefined, as('bob'));
    expect(other).toMatchObject({ status: 403, body: { error: 'FORBIDDEN' } });
    // Admin routes are not behind the JWT authorizer.
    expect((await api.call('GET', `/coupons/${couponId}`)).status).toBe(200);
  });
});

afterAll(() => {
  delete process.env.USER_AUTH;
});

import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeClients } from '#commons/dependencies';
import { handler as getRequest } from '#functions/handlers/get-request';
import { handler as requestCoupon } from '#functions/handlers/request-coupon';
import { handler as userCoupons } from '#functions/handlers/user-coupons';
import { lambdaContext } from '#local/api';
import { engine } from './support/engine';
import { uniqueId } from './support/helpers';

// With a JWT authorizer in front (USER_AUTH=jwt), the user is the token's sub.

const main = engine();
let couponId: string;
beforeAll(async () => {
  couponId = uniqueId('jwt');
  await main.create(couponId, 10);
});
afterEach(() => {
  delete process.env.USER_AUTH;
});
afterAll(async () => {
  await main.close();
  await closeClients();
});

function event(path: Record<string, string>, body?: unknown, sub?: string): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'ANY /x',
    rawPath: '/x',
    rawQueryString: '',
    headers: { 'content-type': 'application/json' },
    pathParameters: path,
    body: body === undefined ? undefined : JSON.stringify(body),
    isBase64Encoded: false,
    requestContext: {
      ...(sub === undefined ? {} : { authorizer: { jwt: { claims: { sub }, scopes: [] } } }),
    } as APIGatewayProxyEventV2['requestContext'],
  };
}
const context = lambdaContext('test');
const parse = (result: Awaited<ReturnType<typeof requestCoupon>>) => ({
  status: result.statusCode,
  body: JSON.parse(result.body ?? '{}'),
});

describe('USER_AUTH=jwt', () => {
  it('takes the userId from the token when the body has none', async () => {
    process.env.USER_AUTH = 'jwt';
    const reply = parse(await requestCoupon(event({ couponId }, {}, 'alice'), context));
    expect(reply).toEqual({ status: 202, body: { status: 'QUEUED', position: 1 } });
    const status = parse(await getRequest(event({ couponId, userId: 'alice' }, undefined, 'alice'), context));
    expect(status.body).toMatchObject({ status: 'QUEUED', position: 1 });
  });

  it('refuses a body or path userId that is not the token sub, and changes nothing', async () => {
    process.env.USER_AUTH = 'jwt';
    const reply = parse(await requestCoupon(event({ couponId }, { userId: 'mallory' }, 'bob'), context));
    expect(reply.status).toBe(403);
    expect(reply.body).toMatchObject({ error: 'FORBIDDEN' });
    expect(await main.queue.status(couponId, 'mallory')).toMatchObject({ status: 'NOT_REQUESTED' });
    expect(await main.queue.status(couponId, 'bob')).toMatchObject({ status: 'NOT_REQUESTED' });
    expect(
      parse(await getRequest(event({ couponId, userId: 'alice' }, undefined, 'bob'), context)).status,
    ).toBe(403);
    expect(parse(await userCoupons(event({ userId: 'alice' }, undefined, 'bob'), context)).status).toBe(403);
  });

  it('answers 401 without a token subject', async () => {
    process.env.USER_AUTH = 'jwt';
    const reply = parse(await requestCoupon(event({ couponId }, { userId: 'carol' }), context));
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('UNAUTHORIZED');
  });
});

describe('without USER_AUTH', () => {
  it('takes the userId from the request and requires it', async () => {
    const missing = parse(await requestCoupon(event({ couponId }, {}), context));
    expect(missing.status).toBe(400);
    expect(missing.body.message).toMatch(/userId: is required/);
    const given = parse(
      await requestCoupon(event({ couponId }, { userId: 'dave' }, 'someone-else'), context),
    );
    expect(given.status).toBe(202);
  });
});

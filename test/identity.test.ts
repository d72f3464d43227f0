import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeClients } from '#commons/dependencies';
import { HASHED_USER_PREFIX, userIdFromSubject } from '#commons/identity';
import { Id } from '#commons/schemas';
import { handler as getRequest } from '#functions/handlers/get-request';
import { handler as requestCoupon } from '#functions/handlers/request-coupon';
import { handler as userCoupons } from '#functions/handlers/user-coupons';
import { lambdaContext } from '#local/api';
import { apiGatewayEvent } from './support/api-gateway';
import { engine } from './support/engine';
import { keysMatching, uniqueId } from './support/helpers';

// With a JWT authorizer in front (USER_AUTH=jwt), the user is the token's subject, mapped to a
// userId (userIdFromSubject); `me` in a path or body stands for the caller. Real handlers, real
// Redis, DynamoDB Local.

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

const event = (path: Record<string, string>, body?: unknown, sub?: string) =>
  apiGatewayEvent('ANY /x', {
    pathParameters: path,
    body: body === undefined ? undefined : JSON.stringify(body),
    requestContext: {
      ...(sub === undefined ? {} : { authorizer: { jwt: { claims: { sub }, scopes: [] } } }),
    } as APIGatewayProxyEventV2['requestContext'],
  });
const context = lambdaContext('test');
const parse = (result: Awaited<ReturnType<typeof requestCoupon>>) => ({
  status: result.statusCode,
  body: JSON.parse(result.body ?? '{}'),
});

describe('userIdFromSubject', () => {
  const subjects = [
    'auth0|5f7c8ec7c33c6c004bbafe82',
    'google-oauth2|103547991597142817347',
    'alice@example.com',
    'okta|00u1abcd{x}',
    `{${'x'.repeat(200)}}`,
    'ユーザー',
  ];

  it('keeps a subject that is already a valid userId (a Cognito UUID)', () => {
    expect(userIdFromSubject('3f1c6a52-2b7e-4d3b-9b53-0f6f0e6a1c9d')).toBe(
      '3f1c6a52-2b7e-4d3b-9b53-0f6f0e6a1c9d',
    );
  });

  it('maps any other subject to a fixed-length id safe in every Redis key, the same on every call', () => {
    const ids = subjects.map(userIdFromSubject);
    for (const id of ids) {
      expect(Id.safeParse(id).success, id).toBe(true);
      expect(id).toMatch(new RegExp(`^${HASHED_USER_PREFIX}[A-Za-z0-9_-]{43}$`));
      expect(id).not.toMatch(/[{}]/);
    }
    expect(new Set(ids).size).toBe(subjects.length);
    expect(subjects.map(userIdFromSubject)).toEqual(ids);
  });

  it('never lets a subject take another subject\'s hashed id, nor "me"', () => {
    const alice = userIdFromSubject('auth0|alice');
    // A subject spelled exactly like alice's id is hashed in turn, so it gets an id of its own.
    expect(userIdFromSubject(alice)).not.toBe(alice);
    expect(userIdFromSubject(alice)).toMatch(new RegExp(`^${HASHED_USER_PREFIX}`));
    expect(userIdFromSubject('me')).not.toBe('me');
  });
});

describe('USER_AUTH=jwt', () => {
  it('takes the userId from the token when the body has none', async () => {
    process.env.USER_AUTH = 'jwt';
    const reply = parse(await requestCoupon(event({ couponId }, {}, 'alice'), context));
    expect(reply).toEqual({ status: 202, body: { status: 'QUEUED', position: 1 } });
    const status = parse(await getRequest(event({ couponId, userId: 'alice' }, undefined, 'alice'), context));
    expect(status.body).toMatchObject({ status: 'QUEUED', position: 1 });
  });

  it('serves an Auth0 subject through "me" on every user route, under its mapped id', async () => {
    process.env.USER_AUTH = 'jwt';
    const sub = 'auth0|5f7c8ec7c33c6c004bbafe82';
    const mapped = userIdFromSubject(sub);
    const coupon = uniqueId('me');
    await main.create(coupon, 1);

    const first = parse(await requestCoupon(event({ couponId: coupon }, { userId: 'me' }, sub), context));
    expect(first).toEqual({ status: 202, body: { status: 'QUEUED', position: 1 } });
    // A repeat with an empty body is the same caller: the same place.
    expect(parse(await requestCoupon(event({ couponId: coupon }, {}, sub), context)).body).toEqual({
      status: 'QUEUED',
      position: 1,
    });
    expect(await main.queue.status(coupon, mapped)).toMatchObject({ status: 'QUEUED', position: 1 });
    // The subject itself never reaches Redis, in a key or a member.
    expect(await keysMatching(main.redis, '*auth0*')).toEqual([]);

    const mine = parse(await getRequest(event({ couponId: coupon, userId: 'me' }, undefined, sub), context));
    expect(mine).toMatchObject({ status: 200, body: { status: 'QUEUED', position: 1 } });
    // The mapped id is the caller's own too.
    const byId = parse(
      await getRequest(event({ couponId: coupon, userId: mapped }, undefined, sub), context),
    );
    expect(byId.body).toMatchObject({ status: 'QUEUED', position: 1 });

    await main.drain().tick(Date.now() + 10_000);
    const coupons = parse(await userCoupons(event({ userId: 'me' }, undefined, sub), context));
    expect(coupons.status).toBe(200);
    expect(coupons.body.items).toEqual([
      expect.objectContaining({ couponId: coupon, userId: mapped, used: false }),
    ]);
  });

  it('refuses a body or path userId that is not the caller, and changes nothing', async () => {
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

  it("refuses a subject spelled like another caller's hashed id any access to that caller's data", async () => {
    process.env.USER_AUTH = 'jwt';
    const victim = userIdFromSubject('auth0|victim');
    const reply = parse(await requestCoupon(event({ couponId }, { userId: victim }, victim), context));
    expect(reply.status).toBe(403);
    expect(parse(await userCoupons(event({ userId: victim }, undefined, victim), context)).status).toBe(403);
    expect(await main.queue.status(couponId, victim)).toMatchObject({ status: 'NOT_REQUESTED' });
  });

  it('answers 401 without a token subject', async () => {
    process.env.USER_AUTH = 'jwt';
    const reply = parse(await requestCoupon(event({ couponId }, { userId: 'carol' }), context));
    expect(reply.status).toBe(401);
    expect(reply.body.error).toBe('UNAUTHORIZED');
    expect(parse(await requestCoupon(event({ couponId }, {}, ''), context)).status).toBe(401);
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

  it('refuses "me" with 400 on every user route, since there is no caller identity, and changes nothing', async () => {
    const replies = [
      parse(await requestCoupon(event({ couponId }, { userId: 'me' }), context)),
      parse(await getRequest(event({ couponId, userId: 'me' }), context)),
      parse(await userCoupons(event({ userId: 'me' }), context)),
    ];
    for (const reply of replies) {
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ error: 'INVALID_REQUEST' });
      expect(reply.body.message).toMatch(/"me" means the caller.*no JWT/);
    }
    expect(await main.queue.status(couponId, 'me')).toMatchObject({ status: 'NOT_REQUESTED' });
  });
});

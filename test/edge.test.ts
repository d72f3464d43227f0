import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeClients } from '#commons/dependencies';
import { ORIGIN_VERIFY_HEADER } from '#commons/edge';
import { lambdaContext } from '#local/api';
import { apiGatewayEvent } from './support/api-gateway';
import { engine } from './support/engine';
import { uniqueId } from './support/helpers';

// Behind CloudFront (the stack's `-c waf=true`), the functions of the routes it fronts get
// ORIGIN_VERIFY_SECRET and refuse, before any work, a request without the header CloudFront adds:
// calling the execute-api URL directly gets around no WAF rule. The real request handler, loaded
// with that environment as Lambda would load it.

const SECRET = 'edge-secret-0123456789abcdefghijklmnop';
process.env.ORIGIN_VERIFY_SECRET = SECRET;
const { handler: requestCoupon } = await import('#functions/handlers/request-coupon');

const main = engine();
let couponId: string;
beforeAll(async () => {
  couponId = uniqueId('edge');
  await main.create(couponId, 5);
});
afterAll(async () => {
  await main.close();
  await closeClients();
});

const event = (userId: string, headers: Record<string, string>) =>
  apiGatewayEvent('POST /coupons/{couponId}/requests', {
    rawPath: `/coupons/${couponId}/requests`,
    headers,
    pathParameters: { couponId },
    body: JSON.stringify({ userId }),
  });
const context = lambdaContext('edge');

it('refuses a request without the origin header, or with a wrong one, and changes nothing', async () => {
  const attempts: Record<string, string>[] = [
    {},
    { [ORIGIN_VERIFY_HEADER]: 'guess' },
    { [ORIGIN_VERIFY_HEADER]: `${SECRET}x` },
  ];
  for (const headers of attempts) {
    const reply = await requestCoupon(event('direct', headers), context);
    expect(reply.statusCode).toBe(403);
    expect(JSON.parse(reply.body ?? '{}')).toEqual({
      error: 'FORBIDDEN',
      message: 'Call this API through its CloudFront address.',
    });
  }
  expect(await main.queue.status(couponId, 'direct')).toMatchObject({ status: 'NOT_REQUESTED' });
});

it('serves a request CloudFront forwarded', async () => {
  const reply = await requestCoupon(event('via-edge', { [ORIGIN_VERIFY_HEADER]: SECRET }), context);
  expect(reply.statusCode).toBe(202);
  expect(await main.queue.status(couponId, 'via-edge')).toMatchObject({ status: 'QUEUED', position: 1 });
});

it('checks the origin before anything else, even a body too large to read', async () => {
  const tooLarge = { ...event('x', {}), body: 'x'.repeat(100_000) };
  expect((await requestCoupon(tooLarge, context)).statusCode).toBe(403);
});

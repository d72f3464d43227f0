import * as z from 'zod/mini';
import { httpHandler, json } from '#commons/http';
import { JwtContext, resolveUserId } from '#commons/identity';
import { lazyIssuedCouponStore } from '#commons/lazy-tables';
import { couponQueue } from '#commons/queue';
import { requestSchema } from '#commons/schemas';
import { requestStatus } from '#domain/coupons';
import { route } from '#functions/routes';

const ports = { queue: couponQueue(), store: lazyIssuedCouponStore() };

/** GET /coupons/{couponId}/requests/{userId}: where a user stands, with the coupon's state and window. */
export const handler = httpHandler(
  z.extend(requestSchema(route('GetRequest').request), { requestContext: JwtContext }),
  async ({ pathParameters, requestContext }) => {
    const userId = resolveUserId(requestContext, pathParameters.userId);
    return json(200, await requestStatus(ports, pathParameters.couponId, userId));
  },
);

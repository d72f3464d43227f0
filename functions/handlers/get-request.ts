import * as z from 'zod/mini';
import { httpHandler, json } from '#commons/http';
import { JwtContext, resolveUserId } from '#commons/identity';
import { lazyIssuedCouponStore } from '#commons/lazy-tables';
import { couponQueue } from '#commons/queue';
import { CouponUserPath } from '#commons/schemas';
import { requestStatus } from '#domain/coupons';

const ports = { queue: couponQueue(), store: lazyIssuedCouponStore() };

/** GET /coupons/{couponId}/requests/{userId}: where a user stands, with the coupon's state and window. */
export const handler = httpHandler(
  z.object({ pathParameters: CouponUserPath, requestContext: JwtContext }),
  async ({ pathParameters, requestContext }) => {
    const userId = resolveUserId(requestContext, pathParameters.userId);
    return json(200, await requestStatus(ports, pathParameters.couponId, userId));
  },
);

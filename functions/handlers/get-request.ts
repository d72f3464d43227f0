import { z } from 'zod';
import { couponQueue } from '#commons/dependencies';
import { httpHandler, json } from '#commons/http';
import { JwtContext, resolveUserId } from '#commons/identity';
import { CouponUserPath } from '#commons/schemas';
import { requestStatus } from '#domain/coupons';

const queue = couponQueue();

/** GET /coupons/{couponId}/requests/{userId}: where a user stands. */
export const handler = httpHandler(
  z.object({ pathParameters: CouponUserPath, requestContext: JwtContext }),
  async ({ pathParameters, requestContext }) => {
    const userId = resolveUserId(requestContext, pathParameters.userId);
    return json(200, await requestStatus(queue, pathParameters.couponId, userId));
  },
);

import { z } from 'zod';
import { couponQueue } from '#commons/dependencies';
import { httpHandler, json } from '#commons/http';
import { CouponUserPath } from '#commons/schemas';
import { requestStatus } from '#domain/coupons';

const queue = couponQueue();

/** GET /coupons/{couponId}/requests/{userId}: where a user stands. */
export const handler = httpHandler(z.object({ pathParameters: CouponUserPath }), async ({ pathParameters }) =>
  json(200, await requestStatus(queue, pathParameters.couponId, pathParameters.userId)),
);

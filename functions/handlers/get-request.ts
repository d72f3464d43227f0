import { httpHandler, json } from '#commons/http';
import { JwtContext, resolveUserId } from '#commons/identity';
import { couponQueue } from '#commons/queue';
import { requestSchema } from '#commons/schemas';
import { issuedCouponStore } from '#commons/tables';
import { requestStatus } from '#domain/coupons';
import { route } from '#functions/routes';

const ports = { queue: couponQueue(), store: issuedCouponStore() };

/** GET /coupons/{couponId}/requests/{userId}: where a user stands, with the coupon's state and window. */
export const handler = httpHandler(
  requestSchema(route('GetRequest').request).extend({ requestContext: JwtContext }),
  async ({ pathParameters, requestContext }) => {
    const userId = resolveUserId(requestContext, pathParameters.userId);
    return json(200, await requestStatus(ports, pathParameters.couponId, userId));
  },
);

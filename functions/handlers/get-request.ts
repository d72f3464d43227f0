import { couponQueue } from '#commons/dependencies';
import { httpHandler, json } from '#commons/http';
import { JwtContext, resolveUserId } from '#commons/identity';
import { requestSchema } from '#commons/schemas';
import { requestStatus } from '#domain/coupons';
import { route } from '#functions/routes';

const queue = couponQueue();

/** GET /coupons/{couponId}/requests/{userId}: where a user stands. */
export const handler = httpHandler(
  requestSchema(route('GetRequest').request).extend({ requestContext: JwtContext }),
  async ({ pathParameters, requestContext }) => {
    const userId = resolveUserId(requestContext, pathParameters.userId);
    return json(200, await requestStatus(queue, pathParameters.couponId, userId));
  },
);

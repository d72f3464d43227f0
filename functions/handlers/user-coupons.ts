import * as z from 'zod/mini';
import { httpHandler, json } from '#commons/http';
import { JwtContext, resolveUserId } from '#commons/identity';
import { UserPath } from '#commons/schemas';
import { issuedCouponStore } from '#commons/tables';
import { issuedCoupons } from '#domain/coupons';

const store = issuedCouponStore();

/** GET /users/{userId}/coupons: the coupons a user holds, from DynamoDB. */
export const handler = httpHandler(
  z.object({ pathParameters: UserPath, requestContext: JwtContext }),
  async ({ pathParameters, requestContext }) => {
    const userId = resolveUserId(requestContext, pathParameters.userId);
    return json(200, { items: await issuedCoupons(store, userId) });
  },
);

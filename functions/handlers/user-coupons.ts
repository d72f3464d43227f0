import * as z from 'zod/mini';
import { httpHandler, json } from '#commons/http';
import { JwtContext, resolveUserId } from '#commons/identity';
import { requestSchema } from '#commons/schemas';
import { issuedCouponStore } from '#commons/tables';
import { issuedCoupons } from '#domain/coupons';
import { route } from '#functions/routes';

const store = issuedCouponStore();

/** GET /users/{userId}/coupons: the coupons a user holds, from DynamoDB. */
export const handler = httpHandler(
  z.extend(requestSchema(route('UserCoupons').request), { requestContext: JwtContext }),
  async ({ pathParameters, requestContext }) => {
    const userId = resolveUserId(requestContext, pathParameters.userId);
    return json(200, { items: await issuedCoupons(store, userId) });
  },
);

import { z } from 'zod';
import { issuedCouponStore } from '#commons/dependencies';
import { httpHandler, json } from '#commons/http';
import { UserPath } from '#commons/schemas';
import { issuedCoupons } from '#domain/coupons';

const store = issuedCouponStore();

/** GET /users/{userId}/coupons: the coupons a user holds, from DynamoDB. */
export const handler = httpHandler(z.object({ pathParameters: UserPath }), async ({ pathParameters }) =>
  json(200, { items: await issuedCoupons(store, pathParameters.userId) }),
);

import { couponCatalog, couponQueue } from '#commons/dependencies';
import { httpHandler, json } from '#commons/http';
import { requestSchema } from '#commons/schemas';
import { describeCoupon } from '#domain/coupons';
import { route } from '#functions/routes';

const ports = { catalog: couponCatalog(), queue: couponQueue() };

/** GET /coupons/{couponId}: the definition and live counters. */
export const handler = httpHandler(requestSchema(route('GetCoupon').request), async ({ pathParameters }) =>
  json(200, await describeCoupon(ports, pathParameters.couponId)),
);

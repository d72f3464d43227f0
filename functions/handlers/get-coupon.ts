import { z } from 'zod';
import { couponCatalog, couponQueue } from '#commons/dependencies';
import { httpHandler, json } from '#commons/http';
import { CouponPath } from '#commons/schemas';
import { describeCoupon } from '#domain/coupons';

const ports = { catalog: couponCatalog(), queue: couponQueue() };

/** GET /coupons/{couponId}: the definition and live counters. */
export const handler = httpHandler(z.object({ pathParameters: CouponPath }), async ({ pathParameters }) =>
  json(200, await describeCoupon(ports, pathParameters.couponId)),
);

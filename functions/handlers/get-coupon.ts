import * as z from 'zod/mini';
import { httpHandler, json } from '#commons/http';
import { couponQueue } from '#commons/queue';
import { CouponPath } from '#commons/schemas';
import { couponCatalog } from '#commons/tables';
import { describeCoupon } from '#domain/coupons';

const ports = { catalog: couponCatalog(), queue: couponQueue() };

/** GET /coupons/{couponId}: the definition, its state and window, the ledger's count and live counters. */
export const handler = httpHandler(z.object({ pathParameters: CouponPath }), async ({ pathParameters }) =>
  json(200, await describeCoupon(ports, pathParameters.couponId)),
);

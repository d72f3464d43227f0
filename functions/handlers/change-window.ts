import * as z from 'zod/mini';
import { httpHandler, json } from '#commons/http';
import { couponQueue } from '#commons/queue';
import { ChangeWindowBody, CouponPath, jsonBody } from '#commons/schemas';
import { couponCatalog } from '#commons/tables';
import { changeWindow } from '#domain/coupons';

const ports = { catalog: couponCatalog(), queue: couponQueue() };

/** PATCH /coupons/{couponId}: opens, closes or moves a coupon's sale window. */
export const handler = httpHandler(
  z.object({ pathParameters: CouponPath, body: jsonBody(ChangeWindowBody) }),
  async ({ pathParameters, body }) => json(200, await changeWindow(ports, pathParameters.couponId, body)),
);

import { randomUUID } from 'node:crypto';
import * as z from 'zod/mini';
import { httpHandler, json } from '#commons/http';
import { couponQueue } from '#commons/queue';
import { AddStockBody, CouponPath, jsonBody } from '#commons/schemas';
import { couponCatalog } from '#commons/tables';
import { addStock } from '#domain/coupons';

const ports = { catalog: couponCatalog(), queue: couponQueue() };

/** POST /coupons/{couponId}/stock: adds stock to a coupon that is not finished. */
export const handler = httpHandler(
  z.object({ pathParameters: CouponPath, body: jsonBody(AddStockBody) }),
  async ({ pathParameters, body }) =>
    json(200, await addStock(ports, pathParameters.couponId, body.add, randomUUID())),
);

import { randomUUID } from 'node:crypto';
import { httpHandler, json } from '#commons/http';
import { couponQueue } from '#commons/queue';
import { requestSchema } from '#commons/schemas';
import { couponCatalog } from '#commons/tables';
import { addStock } from '#domain/coupons';
import { route } from '#functions/routes';

const ports = { catalog: couponCatalog(), queue: couponQueue() };

/** POST /coupons/{couponId}/stock: adds stock to a coupon that is not finished. */
export const handler = httpHandler(
  requestSchema(route('AddStock').request),
  async ({ pathParameters, body }) =>
    json(200, await addStock(ports, pathParameters.couponId, body.add, randomUUID())),
);

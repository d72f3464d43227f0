import * as z from 'zod/mini';
import { httpHandler, json } from '#commons/http';
import { couponQueue } from '#commons/queue';
import { ListQuery } from '#commons/schemas';
import { couponCatalog } from '#commons/tables';
import { listCoupons } from '#domain/coupons';

const ports = { catalog: couponCatalog(), queue: couponQueue() };

/** GET /coupons?limit=&cursor=: coupons, newest first, each with its state. */
export const handler = httpHandler(
  z.object({ queryStringParameters: ListQuery }),
  async ({ queryStringParameters: query }) =>
    json(200, await listCoupons(ports, query?.limit ?? 20, query?.cursor)),
);

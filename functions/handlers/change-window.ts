import { httpHandler, json } from '#commons/http';
import { couponQueue } from '#commons/queue';
import { requestSchema } from '#commons/schemas';
import { couponCatalog } from '#commons/tables';
import { changeWindow } from '#domain/coupons';
import { route } from '#functions/routes';

const ports = { catalog: couponCatalog(), queue: couponQueue() };

/** PATCH /coupons/{couponId}: opens, closes or moves a coupon's sale window. */
export const handler = httpHandler(
  requestSchema(route('ChangeWindow').request),
  async ({ pathParameters, body }) => json(200, await changeWindow(ports, pathParameters.couponId, body)),
);

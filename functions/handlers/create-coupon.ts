import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { httpHandler, json } from '#commons/http';
import { METRIC } from '#commons/metric-names';
import { metrics, metricsEnabled } from '#commons/powertools';
import { couponQueue } from '#commons/queue';
import { requestSchema } from '#commons/schemas';
import { couponCatalog } from '#commons/tables';
import { createCoupon } from '#domain/coupons';
import { route } from '#functions/routes';

const ports = { catalog: couponCatalog(), queue: couponQueue() };

/** POST /coupons: defines a coupon (with its sale window) and opens its queue. */
export const handler = httpHandler(requestSchema(route('CreateCoupon').request), async ({ body }) => {
  const coupon = await createCoupon(ports, body, randomUUID());
  if (metricsEnabled) metrics.addMetric(METRIC.couponsCreated, MetricUnit.Count, 1);
  return json(201, coupon, { location: `/coupons/${coupon.couponId}` });
});

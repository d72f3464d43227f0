import { randomUUID } from 'node:crypto';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { httpHandler, json } from '#commons/http';
import { METRIC } from '#commons/metric-names';
import { metrics, metricsEnabled } from '#commons/powertools';
import { couponQueue } from '#commons/queue';
import { CreateCouponBody, jsonBody } from '#commons/schemas';
import { couponCatalog } from '#commons/tables';
import { createCoupon } from '#domain/coupons';

const ports = { catalog: couponCatalog(), queue: couponQueue() };

/** POST /coupons: defines a coupon (with its sale window) and opens its queue. */
export const handler = httpHandler(z.object({ body: jsonBody(CreateCouponBody) }), async ({ body }) => {
  const coupon = await createCoupon(ports, body, randomUUID());
  if (metricsEnabled) metrics.addMetric(METRIC.couponsCreated, MetricUnit.Count, 1);
  return json(201, coupon, { location: `/coupons/${coupon.couponId}` });
});

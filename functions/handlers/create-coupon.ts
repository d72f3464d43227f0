import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { couponCatalog, couponQueue, issuedCouponStore } from '#commons/dependencies';
import { httpHandler, json } from '#commons/http';
import { METRIC } from '#commons/metric-names';
import { metrics, metricsEnabled } from '#commons/powertools';
import { requestSchema } from '#commons/schemas';
import { createCoupon } from '#domain/coupons';
import { route } from '#functions/routes';

const ports = { catalog: couponCatalog(), queue: couponQueue(), store: issuedCouponStore() };

/** POST /coupons: defines a coupon and opens its queue. */
export const handler = httpHandler(requestSchema(route('CreateCoupon').request), async ({ body }) => {
  const coupon = await createCoupon(ports, body);
  if (metricsEnabled) metrics.addMetric(METRIC.couponsCreated, MetricUnit.Count, 1);
  return json(201, coupon, { location: `/coupons/${coupon.couponId}` });
});

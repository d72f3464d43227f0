import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { couponQueue } from '#commons/dependencies';
import { httpHandler, json } from '#commons/http';
import { JwtContext, resolveUserId } from '#commons/identity';
import { METRIC } from '#commons/metric-names';
import { metrics, metricsEnabled } from '#commons/powertools';
import { requestSchema } from '#commons/schemas';
import { requestCoupon } from '#domain/coupons';
import { route } from '#functions/routes';

const queue = couponQueue();

const ANSWERS = {
  QUEUED: { statusCode: 202, metric: METRIC.queued },
  ALREADY_ISSUED: { statusCode: 409, metric: METRIC.alreadyIssued },
  SOLD_OUT: { statusCode: 410, metric: METRIC.soldOut },
} as const;

const MESSAGES = {
  ALREADY_ISSUED: 'You already hold this coupon.',
  SOLD_OUT: 'This coupon is sold out: every remaining coupon is taken or spoken for.',
} as const;

/** POST /coupons/{couponId}/requests: the first-come-first-served admission. */
export const handler = httpHandler(
  requestSchema(route('RequestCoupon').request).extend({ requestContext: JwtContext }),
  async ({ pathParameters, body, requestContext }) => {
    const userId = resolveUserId(requestContext, body.userId);
    const admission = await requestCoupon(queue, pathParameters.couponId, userId);
    const { statusCode, metric } = ANSWERS[admission.status];
    if (metricsEnabled) metrics.addMetric(metric, MetricUnit.Count, 1);
    if (admission.status === 'QUEUED') return json(statusCode, admission);
    return json(statusCode, {
      status: admission.status,
      error: admission.status,
      message: MESSAGES[admission.status],
    });
  },
);

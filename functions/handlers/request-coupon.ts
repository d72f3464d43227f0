import { MetricUnit } from '@aws-lambda-powertools/metrics';
import * as z from 'zod/mini';
import { ADMISSION_ANSWERS } from '#commons/answers';
import { httpHandler, json } from '#commons/http';
import { JwtContext, resolveUserId } from '#commons/identity';
import { lazyIssuedCouponStore } from '#commons/lazy-tables';
import { metrics, metricsEnabled } from '#commons/powertools';
import { couponQueue } from '#commons/queue';
import { requestSchema } from '#commons/schemas';
import { requestCoupon } from '#domain/coupons';
import { route } from '#functions/routes';

const ports = { queue: couponQueue(), store: lazyIssuedCouponStore() };

/** POST /coupons/{couponId}/requests: the first-come-first-served admission. */
export const handler = httpHandler(
  z.extend(requestSchema(route('RequestCoupon').request), { requestContext: JwtContext }),
  async ({ pathParameters, body, requestContext }) => {
    const userId = resolveUserId(requestContext, body.userId);
    const admission = await requestCoupon(ports, pathParameters.couponId, userId);
    const answer: { statusCode: number; metric: string; message?: string } =
      ADMISSION_ANSWERS[admission.status];
    if (metricsEnabled) metrics.addMetric(answer.metric, MetricUnit.Count, 1);
    if (!answer.message) return json(answer.statusCode, admission);
    return json(answer.statusCode, { ...admission, error: admission.status, message: answer.message });
  },
);

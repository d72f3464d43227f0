import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { drainConfig } from '#commons/config';
import { couponQueue, issuedCouponStore } from '#commons/dependencies';
import { METRIC } from '#commons/metric-names';
import { logger, metrics } from '#commons/powertools';
import { traceInvocations } from '#commons/tracing';
import { Drain, runDrainLoop, type TickReport } from '#domain/drain';

const config = drainConfig();
export const drain = new Drain(couponQueue(), issuedCouponStore(), config);

/** Time kept free at the end of an invocation, so the last tick never meets the timeout. */
const RESERVE_MS = 10_000;

/** Logs a tick and publishes its figures: the alarms and the dashboard read these. */
export function publishTick(report: TickReport): void {
  const { lastError, ...figures } = report;
  if (report.claimed > 0 || report.persisted > 0 || report.failed > 0) logger.info('Drain tick', figures);
  if (report.failed > 0)
    logger.error('Drain could not persist some claims; they stay pending', { lastError });
  metrics.addMetric(METRIC.issued, MetricUnit.Count, report.claimed);
  metrics.addMetric(METRIC.persisted, MetricUnit.Count, report.persisted);
  metrics.addMetric(METRIC.recovered, MetricUnit.Count, report.recovered);
  metrics.addMetric(METRIC.persistFailed, MetricUnit.Count, report.failed);
  metrics.addMetric(METRIC.queueDepth, MetricUnit.Count, report.queued);
  metrics.addMetric(METRIC.pendingDepth, MetricUnit.Count, report.pending);
  metrics.addMetric(METRIC.drainLag, MetricUnit.Milliseconds, report.oldestQueuedAgeMs);
  metrics.addMetric(METRIC.pendingAge, MetricUnit.Milliseconds, report.oldestPendingAgeMs);
  metrics.publishStoredMetrics();
}

/**
 * The drain, fired once a minute by EventBridge: ticks every DRAIN_INTERVAL_MS for
 * DRAIN_WINDOW_MS, so winners are persisted within seconds of being admitted.
 */
export const handler = middy<unknown, { ticks: number }, Error, Context>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(traceInvocations())
  .handler(async (_event, context) => {
    const ticks = await runDrainLoop(drain, {
      intervalMs: config.intervalMs,
      windowMs: config.windowMs,
      remainingMs: () => context.getRemainingTimeInMillis(),
      reserveMs: RESERVE_MS,
      stopWhenIdle: true,
      onTick: publishTick,
      onTickError: (error) => {
        logger.error('Drain tick failed', error as Error);
        metrics.addMetric(METRIC.drainErrors, MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
      },
    });
    return { ticks };
  });

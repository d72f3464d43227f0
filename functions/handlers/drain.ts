import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { drainConfig } from '#commons/config';
import { METRIC } from '#commons/metric-names';
import { logger, metrics } from '#commons/powertools';
import { couponQueue } from '#commons/queue';
import { couponCatalog, issuedCouponStore } from '#commons/tables';
import { traceInvocations } from '#commons/tracing';
import { Drain, type ReconcileReport, runDrainLoop, type TickReport } from '#domain/drain';

const config = drainConfig();
export const drain = new Drain(couponCatalog(), couponQueue(), issuedCouponStore(), config);

/** Time kept free at the end of an invocation, so the last tick never meets the timeout. */
const RESERVE_MS = 10_000;

/** Logs a tick and publishes its figures: the alarms and the dashboard read these. */
export function publishTick(report: TickReport): void {
  const { lastError, perCoupon, ...figures } = report;
  for (const tick of perCoupon) {
    const { lastError: _, ...couponFigures } = tick;
    if (tick.claimed + tick.persisted + tick.failed + tick.restored + tick.finished > 0) {
      logger.info('Drain tick', couponFigures);
    }
    if (tick.restored > 0)
      logger.error('Coupon state was gone from Redis; restored from the ledger', couponFigures);
    if (tick.fenced + tick.refused > 0) {
      logger.error('The ledger refused claims: fenced off by a restore, or no stock left', couponFigures);
    }
  }
  if (report.failed > 0)
    logger.error('Drain could not persist some claims; they stay pending', { lastError });
  for (const [name, value, unit] of [
    [METRIC.issued, figures.claimed, MetricUnit.Count],
    [METRIC.persisted, figures.persisted, MetricUnit.Count],
    [METRIC.recovered, figures.recovered, MetricUnit.Count],
    [METRIC.persistFailed, figures.failed, MetricUnit.Count],
    [METRIC.fenced, figures.fenced, MetricUnit.Count],
    [METRIC.refused, figures.refused, MetricUnit.Count],
    [METRIC.heldBefore, figures.heldBefore, MetricUnit.Count],
    [METRIC.restored, figures.restored, MetricUnit.Count],
    [METRIC.couponsFinished, figures.finished, MetricUnit.Count],
    [METRIC.queueDepth, figures.queued, MetricUnit.Count],
    [METRIC.pendingDepth, figures.pending, MetricUnit.Count],
    [METRIC.drainLag, figures.oldestQueuedAgeMs, MetricUnit.Milliseconds],
    [METRIC.pendingAge, figures.oldestPendingAgeMs, MetricUnit.Milliseconds],
  ] as const) {
    metrics.addMetric(name, unit, value);
  }
  metrics.publishStoredMetrics();
}

/** Publishes what the sentinel check found: gone sentinels mean Redis lost data. */
export function publishReconcile(report: ReconcileReport): void {
  if (report.missingSentinels > 0)
    logger.warn('Sentinels were gone from Redis; coupons in their slots put back', { ...report });
  metrics.addMetric(METRIC.sentinelsMissing, MetricUnit.Count, report.missingSentinels);
  metrics.addMetric(METRIC.restored, MetricUnit.Count, report.restored);
  metrics.publishStoredMetrics();
}

/**
 * The drain, fired once a minute by EventBridge: checks the sentinels, then ticks every
 * DRAIN_INTERVAL_MS for DRAIN_WINDOW_MS, so winners are persisted within seconds of being
 * admitted; returns after an idle tick.
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
      onReconcile: publishReconcile,
      onTick: publishTick,
      onTickError: (error) => {
        logger.error('Drain tick failed', error as Error);
        metrics.addMetric(METRIC.drainErrors, MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
      },
    });
    return { ticks };
  });

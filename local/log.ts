// What the local runtime prints as it works: a line per drain tick that did something, and, at
// debug level (POWERTOOLS_LOG_LEVEL=DEBUG), a log line per request.

import type { CouponTick, TickReport } from '#domain/drain';
import type { LocalApiHooks, RouteAnswer } from './api';

/** The figures of a drain line: one coupon's part of a tick. */
export type DrainFigures = Pick<
  CouponTick,
  | 'claimed'
  | 'persisted'
  | 'recovered'
  | 'failed'
  | 'fenced'
  | 'refused'
  | 'restored'
  | 'queued'
  | 'pending'
  | 'oldestQueuedAgeMs'
>;

const count = (n: number) => n.toLocaleString('en-US');
const perSecond = (n: number, seconds: number) => `${count(Math.round(n / Math.max(seconds, 0.001)))}/s`;

/**
 * `drain bf-2026: issued 1,200 (240/s), persisted 1,200 (240/s); waiting 300, pending 0, lag 1.2 s`,
 * rates over `seconds`, the time since the previous tick's lines.
 */
export function drainLine(label: string, figures: DrainFigures, seconds: number): string {
  return (
    `drain ${label}: issued ${count(figures.claimed)} (${perSecond(figures.claimed, seconds)}), ` +
    `persisted ${count(figures.persisted)} (${perSecond(figures.persisted, seconds)})` +
    (figures.recovered ? `, ${count(figures.recovered)} of them recovered` : '') +
    (figures.failed ? `, ${count(figures.failed)} failed and kept pending` : '') +
    (figures.fenced ? `, ${count(figures.fenced)} fenced off by a restore` : '') +
    (figures.refused ? `, ${count(figures.refused)} refused by the ledger (no stock)` : '') +
    (figures.restored ? ', restored from the ledger' : '') +
    `; waiting ${count(figures.queued)}, pending ${count(figures.pending)}, ` +
    `lag ${(figures.oldestQueuedAgeMs / 1000).toFixed(1)} s`
  );
}

const busy = (f: DrainFigures) => f.claimed + f.persisted + f.failed + f.fenced + f.refused + f.restored > 0;

/** The lines of one tick: one per coupon that issued, persisted, failed or was restored. */
export function drainLines(tick: TickReport, seconds: number): string[] {
  return tick.perCoupon
    .filter(busy)
    .map((coupon) =>
      drainLine(coupon.state ? `${coupon.couponId} (${coupon.state})` : coupon.couponId, coupon, seconds),
    );
}

/** Prints the lines of every tick, with rates since the previous tick. */
export function drainReporter(print: (line: string) => void = console.log, clock = () => performance.now()) {
  let last = clock();
  return (tick: TickReport): void => {
    const now = clock();
    const seconds = (now - last) / 1000;
    last = now;
    for (const line of drainLines(tick, seconds)) print(line);
  };
}

/** The path a route answered, its parameters put back in. */
function pathOf({ route, pathParameters }: RouteAnswer): string {
  return route.path.replace(/\{([A-Za-z]+)\}/g, (_, name: string) =>
    encodeURIComponent(pathParameters[name] ?? ''),
  );
}

/**
 * Adds a debug log line per request to the hooks' `answered`, when the log level is DEBUG. Loads
 * the logger only when called, after the environment that sets its level is in place.
 */
export async function withRequestLog(hooks: LocalApiHooks): Promise<LocalApiHooks> {
  const { logger } = await import('#commons/powertools');
  if (logger.getLevelName() !== 'DEBUG') return hooks;
  return {
    ...hooks,
    answered: (answer) => {
      hooks.answered?.(answer);
      logger.debug('request', {
        method: answer.route.method,
        path: pathOf(answer),
        route: answer.route.name,
        status: answer.statusCode,
        ms: Number(answer.ms.toFixed(2)),
      });
    },
  };
}

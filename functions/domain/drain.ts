import { setTimeout as sleep } from 'node:timers/promises';
import type { IssuedCoupon } from './model';
import type { CouponQueue, IssuedCouponStore } from './ports';

export interface DrainSettings {
  /** Users claimed from one queue in one atomic step. */
  batchSize: number;
  /** A pending claim older than this is taken to be abandoned by a dead drain and persisted again. */
  pendingTimeoutMs: number;
  /** Claim-write-acknowledge loops per coupon at once. @default 2 */
  lanes?: number;
}

/** What one tick did, summed over the coupons it visited. */
export interface TickReport {
  coupons: number;
  /** Users claimed from queues (decided winners). */
  claimed: number;
  /** Rows confirmed in the database, recovered ones included. */
  persisted: number;
  /** Abandoned claims persisted again. */
  recovered: number;
  /** Rows that could not be written this tick; they stay pending and are retried. */
  failed: number;
  /** Popped users who already held the coupon, or found no stock. */
  skipped: number;
  soldOut: number;
  /** After the tick, summed over coupons. */
  queued: number;
  pending: number;
  /** Age of the oldest waiting admission, ms (0 when no queue waits). */
  oldestQueuedAgeMs: number;
  /** Age of the oldest unconfirmed claim, ms (0 when none is pending). */
  oldestPendingAgeMs: number;
  /** Coupons that had nothing left to drain and were retired. */
  retired: number;
  /** The last error met while persisting, when `failed` > 0 because of one. */
  lastError?: unknown;
}

const emptyReport = (): TickReport => ({
  coupons: 0,
  claimed: 0,
  persisted: 0,
  recovered: 0,
  failed: 0,
  skipped: 0,
  soldOut: 0,
  queued: 0,
  pending: 0,
  oldestQueuedAgeMs: 0,
  oldestPendingAgeMs: 0,
  retired: 0,
});

/**
 * Moves winners from the Redis queues into the database: claim a batch atomically (it becomes
 * pending), write it, acknowledge what was written. A drain that dies anywhere in between leaves
 * pending claims, which any later tick persists again once their lease times out; writes are
 * idempotent, so two drains at once or a re-run never create a second row.
 */
export class Drain {
  constructor(
    private readonly queue: CouponQueue,
    private readonly store: IssuedCouponStore,
    private readonly settings: DrainSettings,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Drains every open coupon until its queue is empty or `deadline` (epoch ms) passes. */
  async tick(deadline: number): Promise<TickReport> {
    const couponIds = await this.queue.openCoupons();
    const reports = await Promise.all(couponIds.map((id) => this.drainCoupon(id, deadline)));
    return reports.reduce(addReports, emptyReport());
  }

  private async drainCoupon(couponId: string, deadline: number): Promise<TickReport> {
    const report = emptyReport();
    report.coupons = 1;
    const { batchSize, pendingTimeoutMs } = this.settings;
    let healthy = true;

    while (healthy && this.clock() < deadline) {
      const stale = await this.queue.reclaim(couponId, pendingTimeoutMs, batchSize);
      if (stale.length === 0) break;
      const saved = await this.persist(couponId, stale, report);
      report.recovered += saved;
      healthy = saved === stale.length;
    }

    let emptied = false;
    const claimLoop = async () => {
      while (healthy && !emptied && this.clock() < deadline) {
        const claim = await this.queue.claim(couponId, batchSize);
        report.claimed += claim.userIds.length;
        report.skipped += claim.skipped;
        report.soldOut += claim.soldOut;
        if (claim.queuedLeft === 0) emptied = true;
        if (claim.userIds.length > 0) {
          const rows = claim.userIds.map(
            (userId): IssuedCoupon => ({ couponId, userId, issuedAt: claim.issuedAt, used: false }),
          );
          if ((await this.persist(couponId, rows, report)) < rows.length) healthy = false;
        }
      }
    };
    // More than one claim in flight: the next batch is claimed while the last one is written, so
    // the store never waits on Redis. Claims are atomic, so lanes never share a user.
    await Promise.all(Array.from({ length: this.settings.lanes ?? 2 }, claimLoop));

    const snapshot = await this.queue.snapshot(couponId);
    if (snapshot) {
      const now = this.clock();
      report.queued = snapshot.queued;
      report.pending = snapshot.pending;
      report.oldestQueuedAgeMs = snapshot.oldestQueuedAt ? Math.max(now - snapshot.oldestQueuedAt, 0) : 0;
      report.oldestPendingAgeMs = snapshot.oldestPendingAt ? Math.max(now - snapshot.oldestPendingAt, 0) : 0;
      if (snapshot.stockLeft === 0 && snapshot.queued === 0 && snapshot.pending === 0) {
        await this.queue.retire(couponId);
        report.retired = 1;
      }
    }
    return report;
  }

  /** Writes rows, acknowledges the ones written, and returns how many were. */
  private async persist(couponId: string, rows: IssuedCoupon[], report: TickReport): Promise<number> {
    let saved: IssuedCoupon[] = [];
    try {
      const outcome = await this.store.saveAll(rows);
      saved = outcome.saved;
      if (outcome.error) report.lastError = outcome.error;
    } catch (error) {
      // The store is down: every row stays pending and a later tick writes it again.
      report.lastError = error;
    }
    if (saved.length > 0) {
      await this.queue.acknowledge(
        couponId,
        saved.map((row) => row.userId),
      );
    }
    report.persisted += saved.length;
    report.failed += rows.length - saved.length;
    return saved.length;
  }
}

function addReports(a: TickReport, b: TickReport): TickReport {
  return {
    coupons: a.coupons + b.coupons,
    claimed: a.claimed + b.claimed,
    persisted: a.persisted + b.persisted,
    recovered: a.recovered + b.recovered,
    failed: a.failed + b.failed,
    skipped: a.skipped + b.skipped,
    soldOut: a.soldOut + b.soldOut,
    queued: a.queued + b.queued,
    pending: a.pending + b.pending,
    oldestQueuedAgeMs: Math.max(a.oldestQueuedAgeMs, b.oldestQueuedAgeMs),
    oldestPendingAgeMs: Math.max(a.oldestPendingAgeMs, b.oldestPendingAgeMs),
    retired: a.retired + b.retired,
    lastError: b.lastError ?? a.lastError,
  };
}

export interface DrainLoopOptions {
  /** A tick starts every intervalMs (or at once, when the last one took longer). */
  intervalMs: number;
  /** How long the loop may keep starting ticks, from its start. */
  windowMs: number;
  /** Time left before the process must stop (a Lambda's remaining time). */
  remainingMs: () => number;
  /** Time kept free at the end of `remainingMs` for the last tick to finish cleanly. */
  reserveMs: number;
  signal?: AbortSignal;
  /**
   * End the loop after a tick that found no open coupon: an idle deployment then costs one short
   * invocation a minute. A coupon opened meanwhile waits for the next invocation (a minute at most).
   */
  stopWhenIdle?: boolean;
  onTick?: (report: TickReport) => void | Promise<void>;
  onTickError?: (error: unknown) => void | Promise<void>;
  clock?: () => number;
}

/**
 * Runs ticks every intervalMs inside one invocation, so that a scheduler firing once a minute
 * still gives winners within seconds. Stops starting ticks when the window ends, the remaining
 * time runs low or the signal aborts; the tick under way always finishes.
 */
export async function runDrainLoop(drain: Drain, options: DrainLoopOptions): Promise<number> {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const windowEnd = started + options.windowMs;
  let ticks = 0;
  let lastError: unknown;
  while (!options.signal?.aborted) {
    const tickStart = clock();
    const deadline = Math.min(windowEnd, tickStart + options.remainingMs() - options.reserveMs);
    if (deadline <= tickStart) break;
    try {
      const report = await drain.tick(deadline);
      await options.onTick?.(report);
      lastError = undefined;
      if (options.stopWhenIdle && report.coupons === 0) break;
    } catch (error) {
      // A tick that failed (Redis down) is retried at the next interval, not the next invocation.
      lastError = error;
      await options.onTickError?.(error);
    }
    ticks += 1;
    const next = tickStart + options.intervalMs;
    const stopBy = Math.min(windowEnd, clock() + options.remainingMs() - options.reserveMs);
    if (next >= stopBy) break;
    const wait = next - clock();
    if (wait > 0) {
      try {
        await sleep(wait, undefined, { signal: options.signal });
      } catch {
        break; // aborted while waiting
      }
    }
  }
  // A loop whose last tick failed fails as a whole, so the invocation counts as an error.
  if (lastError !== undefined) throw lastError;
  return ticks;
}

import { setTimeout as sleep } from 'node:timers/promises';
import {
  type CommitOutcome,
  type CouponRecord,
  type CouponState,
  epochMs,
  type IssuedCoupon,
  type QueueSnapshot,
} from './model';
import type { CouponCatalog, CouponQueue, IssuedCouponStore } from './ports';
import { loadHolders, restoreCoupon } from './restore';

export interface DrainSettings {
  /** Users claimed from one queue in one atomic step. */
  batchSize: number;
  /**
   * A pending claim older than this is taken to be abandoned by a dead drain and persisted again;
   * a coupon saved this long ago and still not open in Redis, to be a create that died half-way.
   */
  pendingTimeoutMs: number;
  /** Claim loops per coupon at once (their writes to the ledger take turns). @default 2 */
  lanes?: number;
  /** Coupons drained at once in one tick. @default 8 */
  couponConcurrency?: number;
  /** How long a finished coupon's queue, issued and pending keys stay in Redis. @default 3 days */
  finishGraceMs?: number;
  /** Holders read back per page when a lost coupon is restored. @default 5000 */
  restorePageSize?: number;
}

/** What one tick did for one coupon. */
export interface CouponTick {
  couponId: string;
  state?: CouponState;
  /** Users claimed from the queue (decided winners). */
  claimed: number;
  /** Rows confirmed in the ledger, recovered ones included. */
  persisted: number;
  /** Abandoned claims persisted again. */
  recovered: number;
  /** Rows that could not be written this tick; they stay pending and are retried. */
  failed: number;
  /** Claims the ledger refused: their generation was fenced off by a restore. */
  fenced: number;
  /** Claims the ledger had no stock for (Redis believed in more): undone, never issued. */
  refused: number;
  /** Claimed users who held the coupon already in DynamoDB (Redis had forgotten them). */
  heldBefore: number;
  /** Popped users who already held the coupon. */
  skipped: number;
  /** Popped users for whom no stock was left. */
  soldOut: number;
  /** After the tick. */
  queued: number;
  pending: number;
  /** Age of the oldest waiting admission, ms (0 when nobody waits). */
  oldestQueuedAgeMs: number;
  /** Age of the oldest unconfirmed claim, ms (0 when none is pending). */
  oldestPendingAgeMs: number;
  /** Its Redis state was gone (Redis lost it, or a create was cut short) and was rebuilt. */
  restored: number;
  /** Still loading its holders back after a restore. */
  restoring: number;
  /** Finished this tick: sold out or closed, and everything persisted. */
  finished: number;
  /** Opens within the next minute. */
  opensSoon: boolean;
  lastError?: unknown;
}

/** What one tick did, summed over the coupons it visited, with each coupon's part. */
export interface TickReport extends Omit<CouponTick, 'couponId' | 'state' | 'opensSoon'> {
  coupons: number;
  /** A coupon opens within the next minute. */
  opensSoon: boolean;
  perCoupon: CouponTick[];
}

const SUMMED = [
  'claimed',
  'persisted',
  'recovered',
  'failed',
  'fenced',
  'refused',
  'heldBefore',
  'skipped',
  'soldOut',
  'queued',
  'pending',
  'restored',
  'restoring',
  'finished',
] as const;

/** Every figure of a tick at zero: what a tick reports when it did nothing. */
function nothingDone(): Omit<CouponTick, 'couponId' | 'state'> {
  return {
    claimed: 0,
    persisted: 0,
    recovered: 0,
    failed: 0,
    fenced: 0,
    refused: 0,
    heldBefore: 0,
    skipped: 0,
    soldOut: 0,
    queued: 0,
    pending: 0,
    oldestQueuedAgeMs: 0,
    oldestPendingAgeMs: 0,
    restored: 0,
    restoring: 0,
    finished: 0,
    opensSoon: false,
  };
}

export function summarize(perCoupon: CouponTick[]): TickReport {
  const report: TickReport = { ...nothingDone(), coupons: perCoupon.length, perCoupon };
  for (const tick of perCoupon) {
    for (const field of SUMMED) report[field] += tick[field];
    report.oldestQueuedAgeMs = Math.max(report.oldestQueuedAgeMs, tick.oldestQueuedAgeMs);
    report.oldestPendingAgeMs = Math.max(report.oldestPendingAgeMs, tick.oldestPendingAgeMs);
    report.opensSoon ||= tick.opensSoon;
    report.lastError = tick.lastError ?? report.lastError;
  }
  return report;
}

/** A tick with nothing to do: no claim, nobody waiting or pending, nothing restoring or opening soon. */
export function isIdle(report: TickReport): boolean {
  return (
    report.claimed +
      report.recovered +
      report.queued +
      report.pending +
      report.restoring +
      report.restored ===
      0 && !report.opensSoon
  );
}

/** What the once-per-invocation check of the sentinels found and did. */
export interface ReconcileReport {
  /** Slots whose sentinel was gone: Redis lost their data (all of them on a new Redis). */
  missingSentinels: number;
  /** Coupons in those slots put back: live ones restored, finished ones' answers rebuilt. */
  restored: number;
}

const OPENS_SOON_MS = 60_000;

/** Runs `fn` over `items`, at most `limit` at a time. */
async function eachLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

/**
 * Moves winners from the Redis queues into the ledger: claim a batch atomically (it becomes
 * pending), write it in ledger transactions, settle what the ledger answered. A drain that dies
 * anywhere in between leaves pending claims, which a later tick leases and writes again; a row
 * is put only if absent, so a re-run never adds a second row or counts one twice.
 *
 * Each tick also keeps Redis in line with the catalog, coupon by coupon: a coupon whose state is
 * gone is restored from the ledger (generation first), a changed window or a top-up is applied,
 * and a coupon with nothing left to drain is finished.
 */
export class Drain {
  private readonly lanes: number;
  private readonly couponConcurrency: number;
  private readonly finishGraceMs: number;
  private readonly restorePageSize: number;
  private readonly ports: { catalog: CouponCatalog; queue: CouponQueue; store: IssuedCouponStore };

  constructor(
    private readonly catalog: CouponCatalog,
    private readonly queue: CouponQueue,
    private readonly store: IssuedCouponStore,
    private readonly settings: DrainSettings,
    private readonly clock: () => number = Date.now,
  ) {
    this.lanes = settings.lanes ?? 2;
    this.couponConcurrency = settings.couponConcurrency ?? 8;
    this.finishGraceMs = settings.finishGraceMs ?? 3 * 24 * 3_600_000;
    this.restorePageSize = settings.restorePageSize ?? 5000;
    this.ports = { catalog, queue, store };
  }

  /**
   * Once per invocation: finds the slots whose sentinel is gone (Redis lost them), puts back the
   * coupons that lived there, and only then the sentinels, so that until a coupon is back its
   * requests answer 503, not 404. A slot whose coupon could not be put back keeps no sentinel.
   */
  async reconcile(deadline: number): Promise<ReconcileReport> {
    const missing = new Set(await this.queue.missingSentinels());
    const report: ReconcileReport = { missingSentinels: missing.size, restored: 0 };
    if (missing.size === 0) return report;
    const unfinished = new Set<number>();
    let cursor: string | undefined;
    do {
      const page = await this.catalog.allIds(cursor);
      cursor = page.cursor;
      const ids = page.items.filter((id) => missing.has(this.queue.slotOf(id)));
      for (const record of await this.catalog.getMany(ids)) {
        const slot = this.queue.slotOf(record.couponId);
        try {
          if ((await this.queue.snapshot(record.couponId)) !== 'LOST') continue;
          const restored = await restoreCoupon(this.ports, record);
          if (restored?.result !== 'CREATED') unfinished.add(slot);
          else {
            report.restored += 1;
            if (!restored.restoring) continue; // no holders to load back
            const { generation } = restored.record.ledger;
            await loadHolders(
              this.ports,
              record.couponId,
              generation,
              deadline,
              this.restorePageSize,
              this.clock,
            );
          }
        } catch (error) {
          unfinished.add(slot);
          if (this.clock() >= deadline) throw error;
        }
      }
    } while (cursor !== undefined && this.clock() < deadline);
    if (cursor !== undefined) return report; // out of time: the next invocation goes on
    await this.queue.createSentinels([...missing].filter((slot) => !unfinished.has(slot)));
    return report;
  }

  /** Drains every live coupon, a few at a time, until its queue is empty or `deadline` (epoch ms) passes. */
  async tick(deadline: number): Promise<TickReport> {
    const live = await this.catalog.live();
    const ticks: CouponTick[] = [];
    await eachLimit(live, this.couponConcurrency, async (record) => {
      ticks.push(await this.drainCoupon(record, deadline));
    });
    return summarize(ticks);
  }

  private async drainCoupon(record: CouponRecord, deadline: number): Promise<CouponTick> {
    const { couponId } = record;
    const report: CouponTick = { couponId, ...nothingDone() };
    let snapshot = await this.queue.snapshot(couponId);
    let generation: number;
    if (typeof snapshot === 'string') {
      // Saved moments ago and not open in Redis, whose slot lost nothing: its create is still
      // opening it. Left to it (given as long as a claim in flight), not fenced off as lost.
      if (
        snapshot === 'UNKNOWN' &&
        this.clock() - Date.parse(record.createdAt) < this.settings.pendingTimeoutMs
      )
        return report;
      const restored = await restoreCoupon(this.ports, record);
      if (!restored) return report; // another drain restores it
      report.restored = 1;
      generation = restored.record.ledger.generation;
      snapshot = await this.queue.snapshot(couponId);
      if (typeof snapshot === 'string') return report;
    } else {
      if (differs(snapshot, record)) await this.queue.sync(couponId, record);
      generation = Math.max(snapshot.generation, record.ledger.generation);
    }
    if (snapshot.restoring) {
      const done = await loadHolders(
        this.ports,
        couponId,
        generation,
        deadline,
        this.restorePageSize,
        this.clock,
      );
      if (!done) {
        report.restoring = 1;
        return report;
      }
    }

    const writer = new Turns();
    let healthy = true;
    const persist = async (rowGeneration: number, rows: IssuedCoupon[]): Promise<CommitOutcome> => {
      const outcome = await writer.take(() => this.store.commit(couponId, rowGeneration, rows, deadline));
      await this.queue.settle(couponId, rowGeneration, outcome);
      report.persisted += outcome.persisted.length;
      report.heldBefore += outcome.heldBefore.length;
      report.refused += outcome.refused.length;
      report.fenced += outcome.fenced.length;
      report.failed += outcome.failed.length;
      if (outcome.error) report.lastError = outcome.error;
      // Claims the ledger did not take stay pending; stop claiming more for this tick.
      if (outcome.failed.length + outcome.fenced.length > 0) healthy = false;
      return outcome;
    };

    while (healthy && this.clock() < deadline) {
      const stale = await this.queue.reclaim(
        couponId,
        this.settings.pendingTimeoutMs,
        this.settings.batchSize,
      );
      if (stale === 'MISSING' || stale.rows.length === 0) break;
      const outcome = await persist(stale.generation, stale.rows);
      report.recovered += outcome.persisted.length + outcome.heldBefore.length;
    }

    let emptied = false;
    const claimLoop = async () => {
      while (healthy && !emptied && this.clock() < deadline) {
        const claim = await this.queue.claim(couponId, this.settings.batchSize);
        if (typeof claim === 'string') return;
        report.claimed += claim.userIds.length;
        report.skipped += claim.skipped;
        report.soldOut += claim.soldOut;
        if (claim.queuedLeft === 0) emptied = true;
        if (claim.userIds.length > 0) {
          const rows = claim.userIds.map(
            (userId): IssuedCoupon => ({ couponId, userId, issuedAt: claim.issuedAt, used: false }),
          );
          await persist(claim.generation, rows);
        }
      }
    };
    // More than one claim in flight: the next batch is claimed while the last one is written.
    // Every lane ends before the tick does; the first failure is raised after.
    const lanes = await Promise.allSettled(
      Array.from({ length: this.lanes }, async () => {
        try {
          await claimLoop();
        } catch (error) {
          healthy = false;
          throw error;
        }
      }),
    );
    const failure = lanes.find((lane) => lane.status === 'rejected');
    if (failure) throw (failure as PromiseRejectedResult).reason;

    const after = await this.queue.snapshot(couponId);
    if (typeof after !== 'string') {
      const now = Date.parse(after.now);
      report.state = after.state;
      report.queued = after.queued;
      report.pending = after.pending;
      report.oldestQueuedAgeMs = after.oldestQueuedAt ? Math.max(now - after.oldestQueuedAt, 0) : 0;
      report.oldestPendingAgeMs = after.oldestPendingAt ? Math.max(now - after.oldestPendingAt, 0) : 0;
      const opensAt = epochMs(after.opensAt);
      report.opensSoon = after.state === 'SCHEDULED' && opensAt - now <= OPENS_SOON_MS;
      // Finished in Redis already (an earlier catalog step failed, or raced a change), or now.
      const drained =
        (after.state === 'CLOSED' || after.stockLeft === 0) && after.queued === 0 && after.pending === 0;
      if (after.state === 'FINISHED' || drained) {
        const finished = await this.queue.finish(couponId, this.finishGraceMs);
        if (finished) {
          // Only if no window or top-up came since the state that finished: else the next tick
          // brings that change to Redis (which opens the coupon again) and decides anew.
          const done = await this.catalog.finish(couponId, finished.reason, {
            version: finished.version,
            generation: finished.generation,
          });
          if (done) {
            report.finished = 1;
            report.state = 'FINISHED';
          }
        }
      }
    }
    return report;
  }
}

/** Redis's state of a coupon differs from its definition of record (a change it missed). */
function differs(snapshot: QueueSnapshot, record: CouponRecord): boolean {
  return snapshot.generation < record.ledger.generation || snapshot.version < record.version;
}

/** One task at a time: a coupon's ledger transactions take turns. */
class Turns {
  private last: Promise<unknown> = Promise.resolve();

  take<T>(task: () => Promise<T>): Promise<T> {
    const run = this.last.then(task, task);
    this.last = run.catch(() => {});
    return run;
  }
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
   * End the loop after an idle tick (isIdle): nobody waiting or pending, no claim, nothing
   * restoring, nothing opening within a minute. An idle deployment then costs one short
   * invocation a minute; a request arriving meanwhile is admitted at once and persisted by the
   * next invocation (a minute at most).
   */
  stopWhenIdle?: boolean;
  onReconcile?: (report: ReconcileReport) => void | Promise<void>;
  onTick?: (report: TickReport) => void | Promise<void>;
  onTickError?: (error: unknown) => void | Promise<void>;
  clock?: () => number;
}

/**
 * Runs ticks every intervalMs inside one invocation, so that a scheduler firing once a minute
 * still gives winners within seconds; checks the sentinels first (Drain.reconcile). Stops
 * starting ticks when the window ends, the remaining time runs low or the signal aborts; the
 * tick under way always finishes.
 */
export async function runDrainLoop(
  drain: Pick<Drain, 'tick' | 'reconcile'>,
  options: DrainLoopOptions,
): Promise<number> {
  const clock = options.clock ?? Date.now;
  const started = clock();
  const windowEnd = started + options.windowMs;
  const stopBy = () => Math.min(windowEnd, clock() + options.remainingMs() - options.reserveMs);
  let ticks = 0;
  let lastError: unknown;
  try {
    if (stopBy() > clock()) await options.onReconcile?.(await drain.reconcile(stopBy()));
  } catch (error) {
    lastError = error;
    await options.onTickError?.(error);
  }
  while (!options.signal?.aborted) {
    const tickStart = clock();
    const deadline = stopBy();
    if (deadline <= tickStart) break;
    let idle = false;
    try {
      const report = await drain.tick(deadline);
      await options.onTick?.(report);
      lastError = undefined;
      idle = isIdle(report);
    } catch (error) {
      // A tick that failed (Redis down) is retried at the next interval, not the next invocation.
      lastError = error;
      await options.onTickError?.(error);
    }
    ticks += 1;
    if (options.stopWhenIdle && idle) break;
    const next = tickStart + options.intervalMs;
    if (next >= stopBy()) break;
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

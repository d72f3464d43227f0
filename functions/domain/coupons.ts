import {
  CouponExists,
  CouponFinished,
  CouponNotFound,
  CouponRestoring,
  DependencyUnavailable,
  InvalidWindow,
  StockLimit,
} from './errors';
import type {
  Admission,
  Coupon,
  CouponPage,
  CouponRecord,
  CouponState,
  IssuedCoupon,
  QueueSnapshot,
  RequestStatus,
} from './model';
import type { CouponCatalog, CouponQueue, IssuedCouponStore, Unanswered } from './ports';
import { openInQueue, restoreCoupon } from './restore';

// The use cases of the coupon API, each over only the ports it needs; nothing here knows
// Lambda, Redis or DynamoDB.

/** The most stock a coupon can have, top-ups included. */
export const MAX_STOCK = 10_000_000;

export interface NewCoupon {
  couponId: string;
  name: string;
  stock: number;
  opensAt?: string;
  closesAt?: string;
}

/** A coupon with its live counters. */
export interface CouponView extends Coupon {
  state: CouponState;
  /** Stock nobody is queued for or holds yet: stock left - queued. */
  available: number;
  queued: number;
  /** Decided winners (Redis), persisted or not. */
  issued: number;
  /** Decided, not yet confirmed in DynamoDB. */
  pending: number;
  /** Rows in DynamoDB: the ledger's count. */
  persisted: number;
  /** When the oldest waiting user was admitted (ISO 8601), when someone waits. */
  oldestQueuedAt?: string;
  /** Redis's clock when this was read. */
  now: string;
  finishedAt?: string;
}

/** A coupon in a listing: its state, or RESTORING while Redis cannot tell. */
export interface CouponListItem extends Coupon {
  state: CouponState | 'RESTORING';
}

const millis = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

/** closesAt in the future and after opensAt, as instants: a window that is over sells nothing. */
function checkWindow(opensAt: number | undefined, closesAt: number | undefined, now: number): void {
  if (closesAt === undefined) return;
  if (closesAt <= now) throw new InvalidWindow('closesAt must be in the future.');
  if (opensAt !== undefined && closesAt <= opensAt)
    throw new InvalidWindow('closesAt must be after opensAt.');
}

/**
 * Defines a coupon in the catalog (with its ledger: nothing issued, generation 1), then opens it
 * in the queue. If the queue cannot be reached in between, the drain opens it at its next tick (it
 * visits every live coupon of the catalog); repeating the create does it at once.
 */
export async function createCoupon(
  ports: { catalog: CouponCatalog; queue: CouponQueue },
  input: NewCoupon,
  requestToken: string,
): Promise<Coupon> {
  const { catalog, queue } = ports;
  const now = await queue.now();
  checkWindow(millis(input.opensAt), millis(input.closesAt), now);
  const coupon: Coupon = { ...input, createdAt: new Date(now).toISOString() };
  if ((await catalog.create(coupon, requestToken)) === 'CREATED') {
    const record = await catalog.get(coupon.couponId);
    if (!record) return coupon;
    try {
      await openInQueue(queue, record);
    } catch (error) {
      if (!(error instanceof DependencyUnavailable)) throw error;
      // Saved, not open: say so, rather than "nothing was changed".
      throw new DependencyUnavailable(
        'Redis',
        true,
        error,
        `The coupon "${coupon.couponId}" is saved, but Redis could not be reached to open it: the drain opens it within a minute, or repeat this call (it then answers 409 and opens it).`,
      );
    }
    return definition(record);
  }
  const existing = await catalog.get(coupon.couponId);
  if (existing && !existing.finished && typeof (await queue.snapshot(existing.couponId)) === 'string') {
    await restoreCoupon({ catalog, queue }, existing);
  }
  throw new CouponExists(coupon.couponId);
}

/** What the API shows of a coupon's definition: not its ledger, lifecycle or catalog version. */
function definition(record: CouponRecord): Coupon {
  const { ledger: _, finished: __, version: ___, ...coupon } = record;
  return coupon;
}

function view(record: CouponRecord, snapshot: QueueSnapshot): CouponView {
  return {
    ...definition(record),
    state: snapshot.state,
    available: snapshot.available,
    queued: snapshot.queued,
    issued: snapshot.issued,
    pending: snapshot.pending,
    persisted: record.ledger.issued,
    oldestQueuedAt:
      snapshot.oldestQueuedAt === undefined ? undefined : new Date(snapshot.oldestQueuedAt).toISOString(),
    now: snapshot.now,
    finishedAt: record.finished?.at,
  };
}

/** The definition, the ledger's count and the live counters. */
export async function describeCoupon(
  ports: { catalog: CouponCatalog; queue: CouponQueue },
  couponId: string,
): Promise<CouponView> {
  // Redis first: the catalog, read after, is never older than what Redis was synced from.
  const snapshot = await ports.queue.snapshot(couponId);
  const record = await ports.catalog.get(couponId);
  if (!record) throw new CouponNotFound(couponId);
  if (typeof snapshot === 'string') throw new CouponRestoring(couponId);
  return view(record, snapshot);
}

/** Coupons, newest first, each with its state. */
export async function listCoupons(
  ports: { catalog: CouponCatalog; queue: CouponQueue },
  limit: number,
  cursor: string | undefined,
): Promise<CouponPage<CouponListItem>> {
  const page = await ports.catalog.list(limit, cursor);
  const items = await Promise.all(
    page.items.map(async (record): Promise<CouponListItem> => {
      const snapshot = await ports.queue.snapshot(record.couponId);
      const state =
        typeof snapshot === 'string' ? (record.finished ? 'FINISHED' : 'RESTORING') : snapshot.state;
      return { ...definition(record), state };
    }),
  );
  return { items, cursor: page.cursor };
}

/** `"now"` (Redis's clock), an ISO time, or null (closesAt only: until sold out). */
export interface WindowChange {
  opensAt?: string;
  closesAt?: string | null;
}

/**
 * Moves a coupon's window: open now or later (only before it opened), close now or at another
 * time, or never (until sold out). The catalog first, then Redis; if Redis cannot be reached the
 * drain applies the change at its next tick.
 */
export async function changeWindow(
  ports: { catalog: CouponCatalog; queue: CouponQueue },
  couponId: string,
  change: WindowChange,
): Promise<Coupon> {
  const { catalog, queue } = ports;
  const record = await changeable(catalog, couponId);
  const now = await queue.now();
  const resolve = (value: string | null | undefined) =>
    value === 'now' ? now : value === null ? undefined : millis(value);
  const currentOpensAt = millis(record.opensAt) ?? millis(record.createdAt) ?? now;
  let opensAt = millis(record.opensAt);
  if (change.opensAt !== undefined) {
    if (currentOpensAt <= now) {
      throw new InvalidWindow(
        'The sale has started: its opening can no longer move. Close it with closesAt instead.',
        'ALREADY_OPEN',
      );
    }
    opensAt = Math.max(resolve(change.opensAt) as number, now);
  }
  const closesAt = change.closesAt !== undefined ? resolve(change.closesAt) : millis(record.closesAt);
  checkWindow(opensAt, closesAt === undefined ? undefined : Math.max(closesAt, now + 1), now);
  const iso = (at: number | undefined) => (at === undefined ? undefined : new Date(at).toISOString());
  const updated = await catalog.setWindow(couponId, { opensAt: iso(opensAt), closesAt: iso(closesAt) });
  return definition(await inRedisToo(queue, couponId, updated));
}

/**
 * Adds stock to a coupon that is not finished: the ledger first (once per request token, so a
 * retried call never adds twice), then Redis. If Redis cannot be reached the stock is still added
 * (the ledger is the record) and the drain brings Redis in line at its next tick.
 */
export async function addStock(
  ports: { catalog: CouponCatalog; queue: CouponQueue },
  couponId: string,
  add: number,
  requestToken: string,
): Promise<Coupon & { persisted: number }> {
  const { catalog, queue } = ports;
  const record = await changeable(catalog, couponId);
  if (record.stock + add > MAX_STOCK) throw new StockLimit(MAX_STOCK);
  const updated = await inRedisToo(queue, couponId, await catalog.addStock(couponId, add, requestToken));
  return { ...definition(updated), persisted: updated.ledger.issued };
}

/** The record of a coupon an admin may still change: it exists and is not finished. */
async function changeable(catalog: CouponCatalog, couponId: string): Promise<CouponRecord> {
  const record = await catalog.get(couponId);
  if (!record) throw new CouponNotFound(couponId);
  if (record.finished) throw new CouponFinished(couponId);
  return record;
}

/**
 * A change the catalog took (undefined: the coupon finished meanwhile), applied to Redis too if
 * it can be reached now; if not, the drain applies it at its next tick.
 */
async function inRedisToo(
  queue: CouponQueue,
  couponId: string,
  updated: CouponRecord | undefined,
): Promise<CouponRecord> {
  if (!updated) throw new CouponFinished(couponId);
  try {
    await queue.sync(couponId, updated);
  } catch (error) {
    if (!(error instanceof DependencyUnavailable)) throw error;
  }
  return updated;
}

/** The queue's reply, or the error for a coupon it cannot answer for: unknown, lost or restoring. */
function answered<T>(couponId: string, reply: T | Unanswered): T {
  if (reply === 'UNKNOWN') throw new CouponNotFound(couponId);
  if (reply === 'LOST' || reply === 'RESTORING') throw new CouponRestoring(couponId);
  return reply as T;
}

/**
 * Admits a user into the coupon's queue: the first-come-first-served decision, in Redis. Once a
 * finished coupon's keys expired, Redis no longer knows its holders: the issued table answers.
 */
export async function requestCoupon(
  ports: { queue: CouponQueue; store: Pick<IssuedCouponStore, 'holding'> },
  couponId: string,
  userId: string,
): Promise<Admission> {
  const admission = answered(couponId, await ports.queue.admit(couponId, userId));
  if (admission.status === 'HOLDER_UNKNOWN') {
    const held = await ports.store.holding(couponId, userId);
    return held ? { status: 'ALREADY_ISSUED' } : { status: admission.reason };
  }
  return admission;
}

export async function requestStatus(
  ports: { queue: CouponQueue; store: Pick<IssuedCouponStore, 'holding'> },
  couponId: string,
  userId: string,
): Promise<RequestStatus> {
  const status = answered(couponId, await ports.queue.status(couponId, userId));
  if (status.status === 'HOLDER_UNKNOWN') {
    const { reason, ...phase } = status;
    const held = await ports.store.holding(couponId, userId);
    return held ? { ...phase, status: 'ISSUED', issuedAt: held.issuedAt } : { ...phase, status: reason };
  }
  return status;
}

export function issuedCoupons(store: IssuedCouponStore, userId: string): Promise<IssuedCoupon[]> {
  return store.listByUser(userId);
}

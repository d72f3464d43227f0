import { CouponExists, CouponNotFound } from './errors';
import type { Admission, Coupon, IssuedCoupon, RequestStatus } from './model';
import type { CouponCatalog, CouponQueue, IssuedCouponStore } from './ports';

// The use cases of the coupon API, each over only the ports it needs; nothing here knows
// Lambda, Redis or DynamoDB.

export interface NewCoupon {
  couponId: string;
  name: string;
  stock: number;
}

export interface CouponView extends Coupon {
  /** Stock nobody is queued for or holds yet: stock - queued - issued. */
  available: number;
  queued: number;
  issued: number;
  /** Issued in Redis, not yet confirmed in DynamoDB. */
  pending: number;
}

/**
 * Defines a coupon, then opens it in the queue. A create that failed between the two steps
 * (Redis down) is finished by repeating it: the repeat answers COUPON_EXISTS and opens the
 * coupon. The same repeat rebuilds a coupon whose Redis state was lost: its holders come back
 * from DynamoDB (so they stay ALREADY_ISSUED) and the stock is what they leave.
 */
export async function createCoupon(
  ports: { catalog: CouponCatalog; queue: CouponQueue; store: IssuedCouponStore },
  input: NewCoupon,
  now: Date = new Date(),
): Promise<Coupon> {
  const { catalog, queue, store } = ports;
  const coupon: Coupon = { ...input, createdAt: now.toISOString() };
  if (await catalog.create(coupon)) {
    await queue.open(coupon.couponId, coupon.stock);
    return coupon;
  }
  if ((await queue.snapshot(coupon.couponId)) === undefined) {
    const existing = await catalog.get(coupon.couponId);
    if (existing) {
      const holders = await store.listByCoupon(existing.couponId);
      await queue.restore(existing.couponId, Math.max(existing.stock - holders.length, 0), holders);
    }
  }
  throw new CouponExists(coupon.couponId);
}

export async function describeCoupon(
  ports: { catalog: CouponCatalog; queue: CouponQueue },
  couponId: string,
): Promise<CouponView> {
  const [coupon, snapshot] = await Promise.all([ports.catalog.get(couponId), ports.queue.snapshot(couponId)]);
  if (!coupon) throw new CouponNotFound(couponId);
  const { stockLeft = 0, queued = 0, issued = 0, pending = 0 } = snapshot ?? {};
  return { ...coupon, available: Math.max(stockLeft - queued, 0), queued, issued, pending };
}

/** Admits a user into the coupon's queue: the first-come-first-served decision. */
export async function requestCoupon(
  queue: CouponQueue,
  couponId: string,
  userId: string,
): Promise<Admission> {
  const admission = await queue.admit(couponId, userId);
  if (!admission) throw new CouponNotFound(couponId);
  return admission;
}

export async function requestStatus(
  queue: CouponQueue,
  couponId: string,
  userId: string,
): Promise<RequestStatus> {
  const status = await queue.status(couponId, userId);
  if (!status) throw new CouponNotFound(couponId);
  return status;
}

export function issuedCoupons(store: IssuedCouponStore, userId: string): Promise<IssuedCoupon[]> {
  return store.listByUser(userId);
}

import type {
  Admission,
  Claim,
  Coupon,
  CouponHolder,
  IssuedCoupon,
  QueueSnapshot,
  RequestStatus,
} from './model';

/**
 * The waiting queue, the issued set, the stock and the pending claims of every coupon (Redis).
 * Each method is one atomic step on one coupon.
 */
export interface CouponQueue {
  /** Sets a coupon's stock and lists it for the drain; leaves an existing coupon untouched. */
  open(couponId: string, stock: number): Promise<void>;
  /**
   * Rebuilds a coupon Redis has no state for (a create cut short, or Redis data lost) from its
   * holders of record, then opens it with the stock they leave.
   */
  restore(couponId: string, stock: number, holders: CouponHolder[]): Promise<void>;
  /** undefined when the coupon is unknown. */
  admit(couponId: string, userId: string): Promise<Admission | undefined>;
  /** undefined when the coupon is unknown. */
  status(couponId: string, userId: string): Promise<RequestStatus | undefined>;
  /** undefined when the coupon is unknown. */
  snapshot(couponId: string): Promise<QueueSnapshot | undefined>;
  /** Coupons the drain must visit: open ones with stock, waiting users or pending claims. */
  openCoupons(): Promise<string[]>;
  /** Stops listing a coupon that has nothing left to drain. */
  retire(couponId: string): Promise<void>;
  /** Pops up to `max` users in FCFS order, issues them and records them as pending. */
  claim(couponId: string, max: number): Promise<Claim>;
  /** Leases again up to `max` pending claims older than `timeoutMs`, with their content. */
  reclaim(couponId: string, timeoutMs: number, max: number): Promise<IssuedCoupon[]>;
  /** Removes claims confirmed in the database from pending. */
  acknowledge(couponId: string, userIds: string[]): Promise<void>;
}

/** Result of persisting a batch: every coupon lands in exactly one list. */
export interface SaveOutcome {
  saved: IssuedCoupon[];
  failed: IssuedCoupon[];
  /** The last error met while saving, when any row failed because of one. */
  error?: unknown;
}

/** The issued coupons of record (DynamoDB). Saving is idempotent: one row per user and coupon. */
export interface IssuedCouponStore {
  saveAll(coupons: IssuedCoupon[]): Promise<SaveOutcome>;
  listByUser(userId: string): Promise<IssuedCoupon[]>;
  /** Who holds a coupon, and since when: every row of it. */
  listByCoupon(couponId: string): Promise<CouponHolder[]>;
}

/** Coupon definitions (DynamoDB). */
export interface CouponCatalog {
  /** false when a coupon with that id exists already. */
  create(coupon: Coupon): Promise<boolean>;
  get(couponId: string): Promise<Coupon | undefined>;
}

/** Where a coupon's sale stands. */
export const COUPON_STATES = ['SCHEDULED', 'OPEN', 'SOLD_OUT', 'CLOSED', 'FINISHED'] as const;
export type CouponState = (typeof COUPON_STATES)[number];

/** Why a finished coupon finished. */
export const FINISH_REASONS = ['SOLD_OUT', 'CLOSED'] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

/** Epoch ms of an ISO time; 0 for none (Redis's "no bound"). */
export const epochMs = (iso: string | undefined): number => (iso ? Date.parse(iso) : 0);

/** When a coupon can be requested: ISO-8601 times; absent opensAt means from creation, absent closesAt until sold out. */
export interface SaleWindow {
  opensAt?: string;
  closesAt?: string;
}

/** A coupon on sale: its definition, kept in the catalog. */
export interface Coupon extends SaleWindow {
  couponId: string;
  name: string;
  /** Total stock: how many users can ever hold this coupon (grows with top-ups). */
  stock: number;
  createdAt: string;
}

/**
 * The ledger of a coupon in DynamoDB: the count of rows written, and the generation of the Redis
 * state allowed to write more. Rows and count change in one transaction, only while the count
 * stays within the stock and only for the current generation.
 */
export interface Ledger {
  /** Rows in the issued table. */
  issued: number;
  /** stock - issued: what the ledger still lets in. */
  remaining: number;
  /** Bumped before a lost Redis state is rebuilt: claims made on the lost one can no longer land. */
  generation: number;
}

/** A coupon as the catalog holds it: definition, ledger and lifecycle. */
export interface CouponRecord extends Coupon {
  ledger: Ledger;
  /**
   * Raised by every change of the definition (window, top-up): Redis keeps the version it was
   * brought in line with, so a change is applied once and an older record never undoes a newer one.
   */
  version: number;
  /** Set once the drain finished the coupon (sold out or closed, everything persisted). */
  finished?: { at: string; reason: FinishReason };
}

/** One coupon held by one user: the row the drain writes. Its content is fixed at claim time. */
export interface IssuedCoupon {
  couponId: string;
  userId: string;
  /** ISO-8601, Redis's clock at the moment the user was claimed from the queue. */
  issuedAt: string;
  used: boolean;
}

/** A user who holds a coupon, as the issued rows record it. */
export type CouponHolder = Pick<IssuedCoupon, 'userId' | 'issuedAt'>;

/** The answer to a request for a coupon. */
export type Admission =
  | { status: 'QUEUED'; position: number }
  | { status: 'ALREADY_ISSUED' }
  | { status: 'SOLD_OUT' }
  | { status: 'NOT_OPEN'; opensAt: string; now: string }
  | { status: 'CLOSED' };

export type AdmissionStatus = Admission['status'];

/** A coupon's phase and window on Redis's clock, shown with each status. */
export interface CouponPhase {
  state: CouponState;
  opensAt?: string;
  closesAt?: string;
  /** Redis's clock when this was read, so a client can count down to opensAt. */
  now: string;
}

/** Where one user stands for one coupon. */
export type RequestStatus = CouponPhase &
  (
    | { status: 'QUEUED'; position: number }
    | { status: 'ISSUED'; issuedAt: string }
    | { status: 'NOT_REQUESTED' }
    | { status: 'NOT_OPEN' }
    | { status: 'SOLD_OUT' }
    | { status: 'CLOSED' }
  );

/** A coupon's live counters in Redis, read in one atomic step. */
export interface QueueSnapshot extends CouponPhase {
  generation: number;
  /** The catalog version of the definition this state reflects. */
  version: number;
  /** Stock as Redis knows it; grows with top-ups. */
  total: number;
  /** Stock not yet claimed: total minus issued. */
  stockLeft: number;
  /** Stock nobody holds or waits for: stockLeft - queued. */
  available: number;
  queued: number;
  issued: number;
  pending: number;
  /** Epoch ms of the oldest waiting admission, if any. */
  oldestQueuedAt?: number;
  /** Epoch ms of the oldest unconfirmed claim lease, if any. */
  oldestPendingAt?: number;
  /** Holders of a lost state are being loaded back: requests wait. */
  restoring: boolean;
  finished?: FinishReason;
}

/** What one claim took from the head of a queue. */
export interface Claim {
  couponId: string;
  generation: number;
  issuedAt: string;
  userIds: string[];
  stockLeft: number;
  queuedLeft: number;
  /** Popped users who already held the coupon. */
  skipped: number;
  /** Popped users for whom no stock was left. */
  soldOut: number;
}

/** Claims taken again after their lease ran out, with the generation they are now written under. */
export interface Reclaim {
  generation: number;
  rows: IssuedCoupon[];
}

/** What became of claims sent to the ledger; every claim lands in exactly one list. */
export interface CommitOutcome {
  /** Written now, or found written by an earlier try of the same claim. */
  persisted: IssuedCoupon[];
  /** The user held the coupon already under another claim (Redis had forgotten them): not counted again. */
  heldBefore: CouponHolder[];
  /** The ledger had no stock left for them (Redis believed in more stock than there is). */
  refused: IssuedCoupon[];
  /** Claims of a generation the ledger no longer accepts (made on a Redis state that was lost). */
  fenced: IssuedCoupon[];
  /** Not written this time (DynamoDB down, throttled, out of time): they stay pending. */
  failed: IssuedCoupon[];
  /** The last error met, when some failed because of one. */
  error?: unknown;
}

/** A page of a coupon's holders of record. */
export interface HolderPage {
  holders: CouponHolder[];
  /** Where the next page starts; absent on the last one. */
  cursor?: string;
}

/** A page of coupons, newest first. */
export interface CouponPage<T> {
  items: T[];
  cursor?: string;
}

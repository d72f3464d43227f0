/** A coupon on sale: its definition, kept in the catalog. */
export interface Coupon {
  couponId: string;
  name: string;
  /** Total stock: how many users can ever hold this coupon. */
  stock: number;
  createdAt: string;
}

/** One coupon held by one user: the row the drain persists. Its content is fixed at claim time. */
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
  | { status: 'SOLD_OUT' };

/** Where one user stands for one coupon. */
export type RequestStatus =
  | { status: 'QUEUED'; position: number }
  | { status: 'ISSUED'; issuedAt: string }
  | { status: 'SOLD_OUT' }
  | { status: 'NOT_REQUESTED' };

/** A coupon's live counters, read in one atomic step. */
export interface QueueSnapshot {
  /** Stock not yet issued: total stock minus issued. */
  stockLeft: number;
  queued: number;
  issued: number;
  pending: number;
  /** Epoch ms of the oldest waiting admission, if any. */
  oldestQueuedAt?: number;
  /** Epoch ms of the oldest unconfirmed claim lease, if any. */
  oldestPendingAt?: number;
}

/** What one claim took from the head of a queue. */
export interface Claim {
  couponId: string;
  issuedAt: string;
  userIds: string[];
  stockLeft: number;
  queuedLeft: number;
  /** Popped users who already held the coupon. */
  skipped: number;
  /** Popped users for whom no stock was left. */
  soldOut: number;
}

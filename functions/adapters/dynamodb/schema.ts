// Key design of the two tables, shared by the adapters, the local runtime and the CDK stack.

/** Issued coupons: one row per (userId, couponId), so a repeated write can never add a second row. */
export const ISSUED_TABLE_KEYS = { partitionKey: 'userId', sortKey: 'couponId' } as const;
/** Index of issued coupons by coupon, with the issue time: audits, and rebuilding Redis. */
export const ISSUED_BY_COUPON_INDEX = {
  name: 'byCoupon',
  partitionKey: 'couponId',
  sortKey: 'userId',
  projected: ['issuedAt'],
} as const;

/** Coupon definitions, by couponId. */
export const COUPONS_TABLE_KEYS = { partitionKey: 'couponId' } as const;

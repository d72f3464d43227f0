// Key design of the two tables, shared by the adapters, the local runtime and the CDK stack.

/** Issued coupons: one row per (userId, couponId), so no write can ever add a second row. */
export const ISSUED_TABLE_KEYS = { partitionKey: 'userId', sortKey: 'couponId' } as const;

/**
 * Holders of a coupon, by coupon: restores and audits. A coupon's rows are spread over
 * ISSUED_SHARDS index partitions (couponShard = couponId#n, n from the userId), because one
 * index partition takes about 1,000 writes a second and a throttled index throttles the table.
 */
export const ISSUED_BY_COUPON_INDEX = {
  name: 'byCoupon',
  partitionKey: 'couponShard',
  sortKey: 'userId',
  projected: ['issuedAt'],
} as const;
export const ISSUED_SHARDS = 16;

/** Coupon definitions with their ledgers, by couponId. */
export const COUPONS_TABLE_KEYS = { partitionKey: 'couponId' } as const;

/** Every coupon, newest first: `kind` is one value for all, `listKey` is createdAt#couponId. */
export const COUPONS_BY_CREATION_INDEX = {
  name: 'byCreation',
  partitionKey: 'kind',
  sortKey: 'listKey',
} as const;

/** Coupons not finished yet (a sparse index: `live` is removed when a coupon finishes). */
export const LIVE_COUPONS_INDEX = { name: 'live', partitionKey: 'live', sortKey: 'couponId' } as const;

// The HTTP API's routes, in one place: the local runtime serves them and the CDK stack
// provisions them, with each function's access derived from what its route says it needs.
// `handler` names a module in functions/handlers/.

export type RouteAccess = 'admin' | 'user' | 'public';

/** DynamoDB actions a function may take, on a table (`table`) or on its indexes (`indexes`). */
export type TableAction = 'GetItem' | 'BatchGetItem' | 'PutItem' | 'UpdateItem' | 'Query';

export interface Needs {
  /** Reaches Redis (so it runs in the VPC). */
  redis: boolean;
  coupons?: { table?: TableAction[]; indexes?: TableAction[] };
  issued?: { table?: TableAction[]; indexes?: TableAction[] };
}

export interface Route {
  /** A stable name for the route's function and construct ids. */
  name: string;
  method: 'GET' | 'POST' | 'PATCH';
  /** API Gateway's path syntax: {param} matches one segment. */
  path: string;
  handler: string;
  access: RouteAccess;
  needs: Needs;
}

export const ROUTES: readonly Route[] = [
  {
    name: 'CreateCoupon',
    method: 'POST',
    path: '/coupons',
    handler: 'create-coupon',
    access: 'admin',
    // UpdateItem: a repeated create restores a coupon Redis lost (the generation is bumped).
    needs: { redis: true, coupons: { table: ['PutItem', 'GetItem', 'UpdateItem'] } },
  },
  {
    name: 'ListCoupons',
    method: 'GET',
    path: '/coupons',
    handler: 'list-coupons',
    access: 'admin',
    needs: { redis: true, coupons: { table: ['BatchGetItem'], indexes: ['Query'] } },
  },
  {
    name: 'GetCoupon',
    method: 'GET',
    path: '/coupons/{couponId}',
    handler: 'get-coupon',
    access: 'admin',
    needs: { redis: true, coupons: { table: ['GetItem'] } },
  },
  {
    name: 'ChangeWindow',
    method: 'PATCH',
    path: '/coupons/{couponId}',
    handler: 'change-window',
    access: 'admin',
    needs: { redis: true, coupons: { table: ['GetItem', 'UpdateItem'] } },
  },
  {
    name: 'AddStock',
    method: 'POST',
    path: '/coupons/{couponId}/stock',
    handler: 'add-stock',
    access: 'admin',
    needs: { redis: true, coupons: { table: ['GetItem', 'UpdateItem'] } },
  },
  {
    name: 'RequestCoupon',
    method: 'POST',
    path: '/coupons/{couponId}/requests',
    handler: 'request-coupon',
    access: 'user',
    // GetItem: only for a finished coupon whose holders Redis no longer keeps.
    needs: { redis: true, issued: { table: ['GetItem'] } },
  },
  {
    name: 'GetRequest',
    method: 'GET',
    path: '/coupons/{couponId}/requests/{userId}',
    handler: 'get-request',
    access: 'user',
    needs: { redis: true, issued: { table: ['GetItem'] } },
  },
  {
    name: 'UserCoupons',
    method: 'GET',
    path: '/users/{userId}/coupons',
    handler: 'user-coupons',
    access: 'user',
    needs: { redis: false, issued: { table: ['Query'] } },
  },
  {
    name: 'Health',
    method: 'GET',
    path: '/health',
    handler: 'health',
    access: 'public',
    needs: { redis: false },
  },
];

/**
 * The drain: ledger transactions (rows put in the issued table, the count updated in the coupons
 * table), the live coupons and their restores, holders read back by index.
 */
export const DRAIN_NEEDS: Needs = {
  redis: true,
  coupons: { table: ['GetItem', 'BatchGetItem', 'UpdateItem'], indexes: ['Query'] },
  issued: { table: ['PutItem', 'GetItem'], indexes: ['Query'] },
};
